//! Where the command's operation goes: `--base-url`, or the embedded demo simulator (never, by
//! default, for an operation that creates data).

use cake_client::{spec, Client};

use crate::{cli::GlobalArgs, failure::Failure};

/// An operation that creates data (`x-cake-creates-data`) is not sent to the embedded demo
/// simulator unless `--demo` asks for it: in a script whose environment lost `CAKE_BASE_URL`, a
/// conversion meant for CAKE would be recorded in a simulator that vanishes with the command, and
/// the command would succeed. Reads keep the embedded default.
pub(crate) fn refuse_silent_demo_write(
    global: &GlobalArgs,
    operation: &spec::OperationSpec,
) -> Result<(), Failure> {
    if global.base_url.is_none() && operation.creates_data && !global.demo {
        return Err(Failure::usage(
            format!(
                "{} creates data, and no --base-url or CAKE_BASE_URL is given: nothing was sent \
                 (it would have gone to the embedded demo simulator and been lost)",
                operation.summary
            ),
            "give --base-url or set CAKE_BASE_URL for your CAKE; --demo records it in the \
             embedded demo simulator on purpose",
        ));
    }
    Ok(())
}

/// The SDK client for `--base-url`, or for an embedded demo simulator when there is none.
pub(crate) async fn connect(
    cli: &GlobalArgs,
) -> Result<(Client, Option<cake_sim::RunningSimulator>), Failure> {
    match &cli.base_url {
        Some(base_url) => {
            let Some(api_key) = cli.api_key.as_deref() else {
                return Err(Failure::usage(
                    "--base-url needs an api_key",
                    "give --api-key or set CAKE_API_KEY (Setup → System Access → API Keys in CAKE)",
                ));
            };
            let client = Client::builder(base_url.as_str(), api_key).build()?;
            Ok((client, None))
        }
        None => {
            // A key of this run only, never shown: the simulator listens on loopback for the
            // length of this command.
            let key = format!(
                "embedded-{:x}-{:x}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default()
            );
            let sim = cake_sim::Simulator::demo(key.as_str())
                .serve("127.0.0.1:0")
                .await
                .map_err(|e| Failure::local(format!("cannot start the embedded simulator: {e}")))?;
            eprintln!(
                "cake: no --base-url or CAKE_BASE_URL: using the embedded CAKE simulator with demo data at {}",
                sim.base_url()
            );
            let client = Client::builder(sim.base_url(), key).build()?;
            Ok((client, Some(sim)))
        }
    }
}
