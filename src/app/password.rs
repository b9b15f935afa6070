//! The password policy, pure (no I/O): what a password a user chooses must not be — shorter
//! than 8, the login or the name inside it, one character over and over, a sequence or a
//! keyboard row (12345678, abcdefgh, 87654321, qwertyui), a short pattern repeated, or one of
//! the most common passwords (the list compiled in from `common_passwords.txt`, Chinese sites'
//! favourites such as 5201314 and woaini1314 included). Both edges ask it: the web app's
//! password page, and the generated passwords of `gateward user` and the users page.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The shortest password a user may choose.
pub const MIN_LEN: usize = 8;

/// What the password page says about the rules, before anything is typed.
pub const RULES_ZH: &str =
    "至少 8 位；不要用 12345678、password1、5201314 这类常见或有规律的密码，也不要包含账号或姓名";

/// The list of common passwords, lowercase, one a line (`#` lines are comments).
const COMMON: &str = include_str!("common_passwords.txt");

/// Keyboard rows, as typed left to right.
const ROWS: [&str; 4] = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"];

/// Why a password is refused; the message says it in Chinese first, and what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("新密码至少 {MIN_LEN} 位，请设长一点 (at least {MIN_LEN} characters)")]
    TooShort,
    #[error("新密码不能包含账号，请换一个 (must not contain the login)")]
    ContainsLogin,
    #[error("新密码不能包含姓名，请换一个 (must not contain your name)")]
    ContainsName,
    #[error("新密码不能全是同一个字符（如 11111111），请换一个 (one character repeated)")]
    OneCharacter,
    #[error(
        "新密码只用了两三种字符（如 12121212），请多用几种字母和数字 (too few different characters)"
    )]
    FewCharacters,
    #[error("新密码是一小段字符的重复（如 abcabcab），请换一个 (a short pattern repeated)")]
    Repeated,
    #[error(
        "新密码是连续的字母、数字或键盘上的一排（如 12345678、abcdefgh、qwertyui），很容易被猜到，请换一个 (a sequence or a keyboard row)"
    )]
    Sequence,
    #[error(
        "新密码是最常用的密码之一（如 password1、5201314、woaini1314），很容易被猜到，请换一个 (one of the most common passwords)"
    )]
    Common,
}

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Refuses a password too short, too common or too easy to guess for the user `login` named
/// `name` (either may be empty: a password generated for no one yet).
pub fn check(password: &str, login: &str, name: &str) -> Result<(), WeakPassword> {
    let lower = password.to_lowercase();
    let login = login.trim().to_lowercase();
    if login.chars().count() >= 3 {
        let backwards: String = login.chars().rev().collect();
        if lower.contains(&login) || lower.contains(&backwards) {
            return Err(WeakPassword::ContainsLogin);
        }
    }
    let name = name.trim().to_lowercase();
    if name.chars().count() >= 2 && lower.contains(&name) {
        return Err(WeakPassword::ContainsName);
    }
    let chars: Vec<char> = lower.chars().collect();
    if chars.len() < MIN_LEN {
        return Err(WeakPassword::TooShort);
    }
    let distinct: HashSet<char> = chars.iter().copied().collect();
    if distinct.len() == 1 {
        return Err(WeakPassword::OneCharacter);
    }
    if distinct.len() < 4 {
        return Err(WeakPassword::FewCharacters);
    }
    if (2..=4).any(|k| chars.iter().enumerate().all(|(i, c)| *c == chars[i % k])) {
        return Err(WeakPassword::Repeated);
    }
    if made_of_sequences(&chars) {
        return Err(WeakPassword::Sequence);
    }
    if is_common(&lower) {
        return Err(WeakPassword::Common);
    }
    Ok(())
}

/// A common password, or one with digits and signs put before or after a common word
/// (password2026, woaini520!, 88lovely).
fn is_common(lower: &str) -> bool {
    let list = common();
    let stem = lower.trim_matches(|c: char| !c.is_alphabetic());
    list.contains(lower)
        || list.contains(lower.trim_end_matches(|c: char| !c.is_alphanumeric()))
        || (stem.chars().count() >= 4 && list.contains(stem))
}

/// Letters, digits, anything else: the runs a password is made of are split where the kind
/// changes.
fn kind(c: char) -> u8 {
    if c.is_ascii_digit() {
        0
    } else if c.is_alphabetic() {
        1
    } else {
        2
    }
}

/// The whole password is one to three runs (letters, digits), each a sequence, a keyboard row
/// or one character repeated: 12345678, abcd1234, qwer1234, 87654321, aaaa1234.
fn made_of_sequences(chars: &[char]) -> bool {
    let mut runs: Vec<&[char]> = Vec::new();
    let mut start = 0;
    for i in 1..=chars.len() {
        if i == chars.len() || kind(chars[i]) != kind(chars[start]) {
            runs.push(&chars[start..i]);
            start = i;
        }
    }
    runs.len() <= 3 && runs.iter().all(|r| r.len() >= 3 && trivial_run(r))
}

/// A run that is one character repeated, counts up or down by one (abcd, 4321), or lies on a
/// keyboard row either way (qwer, lkjh, 7890).
fn trivial_run(run: &[char]) -> bool {
    let same = run.windows(2).all(|w| w[0] == w[1]);
    let step = |d: i64| {
        run.windows(2).all(|w| {
            w[0].is_ascii_alphanumeric()
                && w[1].is_ascii_alphanumeric()
                && i64::from(w[1] as u32) - i64::from(w[0] as u32) == d
        })
    };
    let text: String = run.iter().collect();
    let backwards: String = run.iter().rev().collect();
    let on_row = ROWS
        .iter()
        .any(|row| row.contains(&text) || row.contains(&backwards));
    same || step(1) || step(-1) || on_row
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(password: &str) -> Option<WeakPassword> {
        check(password, "guard", "门岗小王").err()
    }

    #[test]
    fn the_audits_examples_are_refused() {
        for (p, w) in [
            ("11111111", WeakPassword::OneCharacter),
            ("12345678", WeakPassword::Sequence),
            ("87654321", WeakPassword::Sequence),
            ("abcdefgh", WeakPassword::Sequence),
            ("qwertyui", WeakPassword::Sequence),
            ("password", WeakPassword::Common),
            ("password1", WeakPassword::Common),
            ("Password123", WeakPassword::Common),
            ("iloveyou", WeakPassword::Common),
            ("woaini1314", WeakPassword::Common),
            ("aa123456", WeakPassword::Common),
            ("5201314520", WeakPassword::Common),
            ("1qaz2wsx", WeakPassword::Common),
            ("5201314", WeakPassword::TooShort),
            ("a123456", WeakPassword::TooShort),
        ] {
            assert_eq!(why(p), Some(w), "{p}");
        }
    }

    #[test]
    fn the_login_or_the_name_inside_is_refused() {
        assert_eq!(why("guard"), Some(WeakPassword::ContainsLogin));
        assert_eq!(why("GuardGate2026"), Some(WeakPassword::ContainsLogin));
        assert_eq!(why("draug-river-7"), Some(WeakPassword::ContainsLogin));
        assert_eq!(why("我是门岗小王呀"), Some(WeakPassword::ContainsName));
        // a short login or one-character name does not rule out everything
        assert_eq!(check("li-river-stone-7", "li", "李"), Ok(()));
    }

    #[test]
    fn trivial_patterns_are_refused() {
        assert_eq!(why("short"), Some(WeakPassword::TooShort));
        assert_eq!(why("12121212"), Some(WeakPassword::FewCharacters));
        assert_eq!(why("aaaa1111"), Some(WeakPassword::FewCharacters));
        assert_eq!(why("asdfasdf"), Some(WeakPassword::Repeated));
        assert_eq!(why("abc-abc-abc-"), Some(WeakPassword::Repeated));
        assert_eq!(why("abcd1234"), Some(WeakPassword::Sequence));
        assert_eq!(why("qwer1234"), Some(WeakPassword::Sequence));
        assert_eq!(why("1234abcd"), Some(WeakPassword::Sequence));
        assert_eq!(why("lkjhgfds"), Some(WeakPassword::Sequence));
        assert_eq!(why("0987654321"), Some(WeakPassword::Sequence));
        assert_eq!(why("monkey2026"), Some(WeakPassword::Common));
        assert_eq!(why("88lovely!"), Some(WeakPassword::Common));
    }

    #[test]
    fn ordinary_passwords_pass() {
        for p in [
            "my-own-pass-1",
            "东门岗亭2026冬",
            "river7stone",
            "k9m3p7r2",
            "Tea4Two@Gate",
            "zhe-ge-mima-hao",
        ] {
            assert_eq!(why(p), None, "{p}");
        }
    }

    #[test]
    fn the_list_is_compiled_in_and_lowercase() {
        let list = common();
        assert!(list.len() > 300, "{} passwords", list.len());
        assert!(list.iter().all(|p| p.to_lowercase() == *p), "lowercase");
        assert!(list.contains("5201314") && list.contains("woaini1314"));
    }
}
