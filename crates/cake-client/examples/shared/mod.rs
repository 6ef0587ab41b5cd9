//! Shared by the examples: a client for the server in CAKE_BASE_URL with CAKE_API_KEY.
//! Start a local CAKE with `cargo run -p cake-cli -- serve` to try them without one.

pub fn client_from_env() -> cake_client::Client {
    let (Ok(base_url), Ok(api_key)) = (
        std::env::var("CAKE_BASE_URL"),
        std::env::var("CAKE_API_KEY"),
    ) else {
        eprintln!(
            "set CAKE_BASE_URL and CAKE_API_KEY (for a local CAKE: `cargo run -p cake-cli -- serve` \
             prints both)"
        );
        std::process::exit(2);
    };
    cake_client::Client::builder(base_url, api_key)
        .build()
        .unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        })
}

#[allow(dead_code)] // not every example takes dates
pub fn date(s: &str) -> chrono::NaiveDate {
    s.parse().expect("a YYYY-MM-DD date")
}
