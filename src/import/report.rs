//! What an import says when rows are wrong: every bad row with its file, line, column, value and
//! what to write instead.

use std::fmt;

/// One wrong value in an imported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// The file name as the user knows it (`people.csv`).
    pub file: String,
    /// The row as a spreadsheet counts it: the header is line 1, the first person line 2.
    pub line: usize,
    /// The column's machine name (`household`); empty when the problem is the whole row.
    pub column: String,
    /// The column's Chinese meaning (房号), for the report; empty when none.
    pub column_zh: String,
    /// The value found, trimmed (may be empty).
    pub value: String,
    /// What is wrong and what to write instead, in plain words.
    pub message: String,
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}", self.file, self.line)?;
        if !self.column.is_empty() {
            write!(f, ", column {}", self.column)?;
            if !self.column_zh.is_empty() {
                write!(f, " ({})", self.column_zh)?;
            }
        }
        if self.value.is_empty() {
            if !self.column.is_empty() {
                f.write_str(" is empty")?;
            }
        } else {
            write!(f, " \"{}\"", self.value)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every bad row of an import, in file order then line order. When an import has any, nothing
/// of it is imported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BadRows {
    pub rows: Vec<BadRow>,
}

impl BadRows {
    /// How many bad values there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl fmt::Display for BadRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.rows.len();
        write!(
            f,
            "{n} bad value{} found; nothing was imported. Correct these and import again:",
            if n == 1 { "" } else { "s" }
        )?;
        for row in &self.rows {
            write!(f, "\n  {row}")?;
        }
        Ok(())
    }
}

/// Collects the bad rows of one file.
#[derive(Debug)]
pub(crate) struct Collector {
    file: String,
    pub(crate) rows: Vec<BadRow>,
}

impl Collector {
    pub(crate) fn new(file: &str) -> Self {
        Collector {
            file: file.to_owned(),
            rows: Vec::new(),
        }
    }

    /// Records a bad value in column `column` (its machine name and Chinese meaning).
    pub(crate) fn push(
        &mut self,
        line: usize,
        column: (&str, &str),
        value: &str,
        message: impl Into<String>,
    ) {
        self.rows.push(BadRow {
            file: self.file.clone(),
            line,
            column: column.0.to_owned(),
            column_zh: column.1.to_owned(),
            value: value.to_owned(),
            message: message.into(),
        });
    }
}
