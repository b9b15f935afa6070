//! The longest text each field of the records takes, one table for every way in (the desk's
//! and the manager's forms, the screen's JSON, the CSV import, the CLI): the store checks a
//! record against it before writing anything, and the forms show the same limits.

use std::fmt;

/// A field's limit: its names for the message and the most characters it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The field as the user knows it: 姓名, 房号…
    pub zh: &'static str,
    pub en: &'static str,
    /// The most characters (not bytes) it takes.
    pub max: usize,
    /// Whether line breaks and tabs are fine (a note), or it is one line (a name).
    pub lines: bool,
}

const fn one_line(zh: &'static str, en: &'static str, max: usize) -> Limit {
    Limit {
        zh,
        en,
        max,
        lines: false,
    }
}

const fn text(zh: &'static str, en: &'static str, max: usize) -> Limit {
    Limit {
        zh,
        en,
        max,
        lines: true,
    }
}

/// A person's name (the longest Chinese names are a few characters; foreign names longer).
pub const NAME: Limit = one_line("姓名", "the name", 50);
/// A visitor's surname, as the guard asks it.
pub const SURNAME: Limit = one_line("贵姓", "the surname", 20);
/// A household's code (楼-单元-房号) or a room as a visitor says it.
pub const ROOM: Limit = one_line("房号", "the room", 30);
/// A VIP's title (王总, 李局长).
pub const TITLE: Limit = one_line("称呼", "the title", 50);
/// A plate as typed (川A·8H458: at most 8 characters, with some room for separators).
pub const PLATE: Limit = one_line("车牌", "the plate", 16);
/// A pass's or a goods slip's number.
pub const NUMBER: Limit = one_line("编号", "the number", 40);
/// A login name.
pub const LOGIN: Limit = one_line("账号", "the login", 40);
/// A gate PC's name as a guard screen.
pub const SCREEN: Limit = one_line("名称", "the name", 50);
/// A short line of a desk form: what a vehicle carries, who asked for the gate, why.
pub const SHORT: Limit = one_line("内容", "the text", 100);
/// A note: a household's, a person's appearance or habits, a vehicle's, an alert's, goods.
pub const NOTE: Limit = text("备注", "the note", 2000);
/// A shift's record or its follow-ups, which grow through the shift.
pub const RECORD: Limit = text("值班记录", "the shift's record", 20_000);

/// A text refused by its field's limit; says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unfit {
    TooLong(Limit),
    /// A control character (NUL, escape…) where only text belongs.
    Control(Limit),
}

impl fmt::Display for Unfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unfit::TooLong(l) => write!(
                f,
                "{}太长了，请写在 {} 个字以内 ({} is too long: {} characters at most)",
                l.zh, l.max, l.en, l.max
            ),
            Unfit::Control(l) => write!(
                f,
                "{}里有不能显示的控制字符，请重新输入 ({} holds a control character: type it again)",
                l.zh, l.en
            ),
        }
    }
}

impl Limit {
    /// Whether `value` fits: at most `max` characters, and no control character (but line
    /// breaks and tabs in a note).
    pub fn check(&self, value: &str) -> Result<(), Unfit> {
        let allowed = |c: char| self.lines && matches!(c, '\n' | '\r' | '\t');
        if value.chars().any(|c| c.is_control() && !allowed(c)) {
            return Err(Unfit::Control(*self));
        }
        if value.chars().count() > self.max {
            return Err(Unfit::TooLong(*self));
        }
        Ok(())
    }

    /// [`Limit::check`] for a field that may be absent.
    pub fn check_opt(&self, value: Option<&str>) -> Result<(), Unfit> {
        value.map_or(Ok(()), |v| self.check(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_takes_its_most_characters_counted_as_characters_not_bytes() {
        assert_eq!(SURNAME.check(&"孙".repeat(20)), Ok(()));
        assert_eq!(
            SURNAME.check(&"孙".repeat(21)),
            Err(Unfit::TooLong(SURNAME))
        );
        assert_eq!(NOTE.check(&"a".repeat(2000)), Ok(()));
        assert!(NOTE.check(&"a".repeat(2001)).is_err());
    }

    #[test]
    fn control_characters_are_refused_but_a_note_keeps_its_lines() {
        assert_eq!(NAME.check("王\0伟"), Err(Unfit::Control(NAME)));
        assert_eq!(NAME.check("王\u{1b}[31m伟"), Err(Unfit::Control(NAME)));
        assert_eq!(NAME.check("王\n伟"), Err(Unfit::Control(NAME)));
        assert_eq!(NOTE.check("第一行\r\n第二行\t"), Ok(()));
        assert_eq!(NOTE.check("\u{7}"), Err(Unfit::Control(NOTE)));
    }

    #[test]
    fn the_message_says_which_field_and_how_long_it_may_be() {
        let said = Unfit::TooLong(ROOM).to_string();
        assert!(said.starts_with("房号太长了，请写在 30 个字以内"), "{said}");
        assert_eq!(ROOM.check_opt(None), Ok(()));
    }
}
