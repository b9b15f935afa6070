//! Gate events printed as they come, as `gateward run`, `replay` and `demo` print them: one
//! line of text each, or one line of JSON (for scripts and tests).

use crate::domain::EventKind;
use crate::domain::event::GateEvent;

/// Prints every event of `events` until the channel closes; returns how many.
pub async fn print_events(
    mut events: tokio::sync::broadcast::Receiver<GateEvent>,
    json: bool,
) -> anyhow::Result<usize> {
    use tokio::sync::broadcast::error::RecvError;
    let mut printed = 0;
    loop {
        match events.recv().await {
            Ok(e) => {
                print_event(&e, json)?;
                printed += 1;
            }
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!("{missed} events came too fast to print; they are in the gate log")
            }
            Err(RecvError::Closed) => return Ok(printed),
        }
    }
}

fn print_event(e: &GateEvent, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(e)?);
        return Ok(());
    }
    let when = e.at.format("%H:%M:%S");
    let what = match (&e.person, &e.plate) {
        (Some(p), _) => format!("{}（{}，相似度 {:.2}）", p.name, p.class.zh(), p.similarity),
        (None, Some(p)) => format!(
            "车牌 {}{}",
            p.formatted,
            p.large_reason
                .as_ref()
                .map(|r| format!("（{r}）"))
                .unwrap_or_default()
        ),
        (None, None) if e.kind == EventKind::Person => "陌生人".to_owned(),
        _ => "车辆（车牌未读出）".to_owned(),
    };
    let direction = e
        .direction
        .map(|d| format!(" {}", d.zh()))
        .unwrap_or_default();
    println!(
        "{when} [{:.1}s] {}{direction} {}: {what} · {}",
        e.stream_s,
        e.report.zh(),
        e.kind.zh(),
        // nothing to say (a resident's car): then what to do
        if e.say.is_empty() {
            e.actions.first().map_or("", String::as_str)
        } else {
            &e.say
        }
    );
    Ok(())
}
