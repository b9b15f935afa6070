//! The manager's pages: people, households, VIPs, vehicles, booked moving trucks, passes,
//! enrolment from a face the cameras saw or from uploaded photos (after the person's consent is
//! recorded), a person's data downloaded or deleted, the event log with its exports, reports,
//! users, the gate PCs paired as guard screens, and the logins locked after too many failed
//! tries.
//!
//! Who may open what: the log and its export need [`super::auth::Authed::may_export`] (team leader and up),
//! as do the reports; people, vehicles, passes, paired screens and login locks need
//! [`super::auth::Authed::may_manage`] (manager, admin);
//! the users page is the administrator's.

mod common;
mod enrol;
mod households;
mod kiosks;
mod log;
mod logins;
mod passes;
mod people;
mod person;
mod reports;
mod rights;
mod users;
mod vehicles;

use axum::Router;

use super::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(people::routes())
        .merge(enrol::routes())
        .merge(rights::routes())
        .merge(vehicles::routes())
        .merge(passes::routes())
        .merge(households::routes())
        .merge(log::routes())
        .merge(reports::routes())
        .merge(users::routes())
        .merge(kiosks::routes())
        .merge(logins::routes())
}
