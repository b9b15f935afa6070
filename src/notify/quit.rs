//! The notifier tasks' stop signal: a task leaves when its `quit` says stop.

/// Resolves once `quit` says stop (or its sender is gone).
pub(super) async fn stopping(quit: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = quit.wait_for(|q| *q).await;
}
