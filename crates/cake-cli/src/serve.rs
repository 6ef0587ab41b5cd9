//! `cake serve`: the simulator on an address, with its data, faults and state.

use crate::{cli::ServeArgs, failure::Failure};

pub(crate) async fn serve(args: &ServeArgs, api_key: Option<&str>) -> Result<(), Failure> {
    let key = api_key.unwrap_or(cake_sim::DEMO_API_KEY);
    let (mut sim, what) = match (&args.data, args.demo_scale) {
        (Some(path), _) => {
            let store = cake_sim::Dataset::from_file(path)
                .and_then(|d| d.into_store())
                .map_err(|e| Failure::local(e.to_string()))?;
            (
                cake_sim::Simulator::new(key, store),
                format!("data from {}", path.display()),
            )
        }
        // Generated again on reset, never held twice.
        (None, Some(n)) => (
            cake_sim::Simulator::demo_scaled(key, n),
            format!("demo data plus {n} generated clicks"),
        ),
        (None, None) => (cake_sim::Simulator::demo(key), "demo data".to_string()),
    };
    // What the state directory was made on: a restart must start the same way.
    let start = sim.with_store(|store| {
        format!(
            "{what} ({} clicks, {} conversions)",
            store.click_count(),
            store.conversions().len()
        )
    });
    let key_note = match api_key {
        Some(_) => "api_key: the one given by --api-key or CAKE_API_KEY (not shown)".to_string(),
        None => "api_key: the documented demo key (see `cake serve --help`)".to_string(),
    };
    let mut faults_note = String::new();
    if let Some(path) = &args.faults {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::local(format!("cannot read {}: {e}", path.display())))?;
        let plan = cake_sim::FaultPlan::from_text(&text).map_err(|e| {
            Failure::local(format!(
                "{} is not a fault plan (see cake_sim::sandbox::FaultPlan): {e}",
                path.display()
            ))
        })?;
        faults_note = format!("; {} scripted fault rule(s)", plan.rules.len());
        sim = sim.with_faults(plan);
    }
    let mut state_note = String::new();
    if let Some(dir) = &args.state {
        sim = sim
            .with_state(dir, &start)
            .map_err(|e| Failure::local(format!("cannot use the state directory: {e}")))?;
        state_note = format!("; state kept in {}", dir.display());
    }
    let (clicks, conversions) = sim.with_store(|s| (s.click_count(), s.conversions().len()));
    let running = sim
        .serve(&args.addr)
        .await
        .map_err(|e| Failure::local(format!("cannot listen on {}: {e}", args.addr)))?;
    eprintln!(
        "cake: CAKE simulator listening on {} ({what}: {clicks} clicks, {conversions} conversions{faults_note}{state_note}); {key_note}; set-up API under /_sim/",
        running.base_url()
    );
    running.wait().await;
    Ok(())
}
