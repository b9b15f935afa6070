//! Passes (出入证) of renovation workers, newspaper and milk deliverers (seed §1.2 D): both halves
//! are checked on the way in and the second half stays at the gate until the holder leaves.

pub use crate::domain::{PassOutcome, PassState};

/// Checking in: both halves must be shown; a pass whose second half is already at the gate is
/// already inside (someone else may be using it).
pub fn check_in(state: PassState, first_half: bool, second_half: bool) -> (PassOutcome, PassState) {
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
        },
    )
}

/// Checking out: the second half kept at the gate is handed back.
pub fn check_out(state: PassState) -> (PassOutcome, PassState) {
    if state.second_half_at_gate {
        (
            PassOutcome::CheckedOut,
            PassState {
                second_half_at_gate: false,
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
    fn checking_out_without_a_check_in_is_flagged() {
        assert!(matches!(
            check_out(PassState::default()).0,
            PassOutcome::Refused(_)
        ));
    }
}
