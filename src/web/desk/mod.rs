//! The guard's desk pages beside the live screen: the handover, shift notes and follow-ups,
//! visitors, passes, goods-release slips, flagged vehicles and night openings; one module per
//! resource, with what they share in `common`.
//!
//! Every form posts back to its page: a done job redirects (303) to the page with a flag that
//! says what was recorded; bad input re-renders the page with what is wrong and what to do
//! (400). Nothing the guard types can make a handler panic.

mod alerts;
mod common;
mod goods;
mod handover;
mod passes;
mod visitors;

use axum::Router;
use axum::routing::{get, post};

use crate::web::state::AppState;
use alerts::{alerts_page, hazard, night_open};
use goods::{goods_check, goods_page};
use handover::{handover_page, save_notes, sign_off};
use passes::{pass_in, pass_out, passes_page};
use visitors::{visitor_in, visitor_out, visitors_page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/handover", get(handover_page))
        .route("/handover/notes", post(save_notes))
        .route("/handover/sign-off", post(sign_off))
        .route("/visitors", get(visitors_page).post(visitor_in))
        .route("/visitors/{id}/out", post(visitor_out))
        .route("/passes", get(passes_page))
        .route("/passes/check-in", post(pass_in))
        .route("/passes/check-out", post(pass_out))
        .route("/goods", get(goods_page).post(goods_check))
        .route("/alerts", get(alerts_page))
        .route("/alerts/hazard", post(hazard))
        .route("/alerts/night-open", post(night_open))
}
