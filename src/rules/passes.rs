//! Passes (出入证) of renovation workers, newspaper and milk deliverers (seed §1.2 D): both halves
//! are checked on the way in and the second half stays at the gate until the holder leaves.

pub use crate::domain::{PassOutcome, PassState};

/// Said when a revoked pass is shown.
pub const REVOKED: &str = "该出入证已被管理处注销，不能使用：请持证人到管理处办理；不要放行";

/// Said when an expired pass is shown.
pub const EXPIRED: &str = "该出入证已过期，不能使用：请持证人到管理处续办；按访客登记";

/// Checking in: the pass must be neither revoked nor expired and both halves must be shown; a
/// pass whose second half is already at the gate is already inside (someone else may be using
/// it).
pub fn check_in(state: PassState, first_half: bool, second_half: bool) -> (PassOutcome, PassState) {
    if state.revoked {
        return (PassOutcome::Refused(REVOKED), state);
    }
    if state.expired {
        return (PassOutcome::Refused(EXPIRED), state);
    }
    if state.second_half_at_gate {
        return (
            PassOutcome::Refused("该证副证已在门岗，持证人应在小区内：核实身份，报告当班分队长"),
            state,
        );
    }
    if !(first_half && second_half) {
        return (PassOutcome::Refused("须出示正副两张出入证"), state);
    }
    (
        PassOutcome::CheckedIn,
        PassState {
            second_half_at_gate: true,
            ..state
        },
    )
}

/// Checking out: the second half kept at the gate is handed back, even of a pass revoked or
/// expired while its holder was inside (the holder leaves).
pub fn check_out(state: PassState) -> (PassOutcome, PassState) {
    if state.second_half_at_gate {
        (
            PassOutcome::CheckedOut,
            PassState {
                second_half_at_gate: false,
                ..state
            },
        )
    } else {
        (
            PassOutcome::Refused("门岗没有该证副证：没有进入登记，请核实后补登记"),
            state,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_holder_checks_in_with_both_halves_and_the_second_stays_at_the_gate() {
        let (o, s) = check_in(PassState::default(), true, true);
        assert_eq!(o, PassOutcome::CheckedIn);
        assert!(s.second_half_at_gate);
    }

    #[test]
    fn pass_with_one_half_is_refused() {
        let (o, s) = check_in(PassState::default(), true, false);
        assert!(matches!(o, PassOutcome::Refused(_)));
        assert!(!s.second_half_at_gate);
    }

    #[test]
    fn pass_holder_checks_out_and_gets_the_second_half_back() {
        let (_, inside) = check_in(PassState::default(), true, true);
        let (o, s) = check_out(inside);
        assert_eq!(o, PassOutcome::CheckedOut);
        assert!(!s.second_half_at_gate);
    }

    #[test]
    fn pass_already_inside_cannot_check_in_again() {
        let (_, inside) = check_in(PassState::default(), true, true);
        assert!(matches!(
            check_in(inside, true, true).0,
            PassOutcome::Refused(_)
        ));
    }

    #[test]
    fn revoked_pass_is_refused_with_both_halves() {
        let revoked = PassState {
            revoked: true,
            ..PassState::default()
        };
        let (o, s) = check_in(revoked, true, true);
        assert_eq!(o, PassOutcome::Refused(REVOKED));
        assert!(!s.second_half_at_gate);
    }

    #[test]
    fn expired_pass_is_refused_with_both_halves() {
        let expired = PassState {
            expired: true,
            ..PassState::default()
        };
        let (o, s) = check_in(expired, true, true);
        assert_eq!(o, PassOutcome::Refused(EXPIRED));
        assert!(!s.second_half_at_gate);
    }

    #[test]
    fn holder_inside_when_the_pass_is_revoked_may_still_leave() {
        let (_, inside) = check_in(PassState::default(), true, true);
        let revoked = PassState {
            revoked: true,
            ..inside
        };
        assert_eq!(check_out(revoked).0, PassOutcome::CheckedOut);
    }

    #[test]
    fn checking_out_without_a_check_in_is_flagged() {
        assert!(matches!(
            check_out(PassState::default()).0,
            PassOutcome::Refused(_)
        ));
    }
}
