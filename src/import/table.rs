//! Reading a CSV file into rows by column name: encoding, header checks, trimming, refusing
//! invisible control characters, and line numbers as a spreadsheet counts them.

use super::error::ImportError;
use super::report::Collector;
use super::text::decode;

/// One column of a documented CSV format.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    /// Machine name written in the header (`household`).
    pub key: &'static str,
    /// Chinese meaning, also accepted as the header (房号).
    pub zh: &'static str,
    /// Whether the header must have it (its values may still be optional).
    pub required: bool,
    /// Whether its values may hold line breaks and tabs (notes: Excel's Alt+Enter in a cell).
    pub lines: bool,
}

impl Column {
    pub(crate) fn label(&self) -> (&'static str, &'static str) {
        (self.key, self.zh)
    }
}

/// One data row: the trimmed value of each documented column (empty when the file lacks the
/// column or the row is short), and its line number.
#[derive(Debug)]
pub(crate) struct Row {
    pub line: usize,
    values: Vec<String>,
}

impl Row {
    /// The trimmed value of `columns[index]`.
    pub fn get(&self, index: usize) -> &str {
        self.values.get(index).map(String::as_str).unwrap_or("")
    }
}

/// Reads `bytes` (UTF-8 or GBK) as a CSV file whose header names `columns` in any order.
/// Problems with the header or the encoding are errors; rows with values where no column is are
/// recorded in `bad` and left out. Blank rows (every cell empty) are skipped.
pub(crate) fn read_table(
    file: &str,
    bytes: &[u8],
    columns: &[Column],
    bad: &mut Collector,
) -> Result<Vec<Row>, ImportError> {
    let (text, _) = decode(bytes).ok_or_else(|| ImportError::Encoding {
        file: file.to_owned(),
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());

    // Spreadsheet rows differ from text lines only where a quoted cell holds line breaks.
    let mut embedded_breaks = 0usize;
    let (mut text_line, mut counted_to) = (1usize, 0usize);
    let mut header: Option<Vec<Option<usize>>> = None;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|source| ImportError::Csv {
            file: file.to_owned(),
            source,
        })?;
        // csv's own line count skips blank lines; count the text's line breaks instead
        // and its position is where it began looking, before any blank lines it skipped
        let mut start = record.position().map_or(counted_to, |p| p.byte() as usize);
        while matches!(text.as_bytes().get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        text_line += text
            .as_bytes()
            .get(counted_to..start)
            .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
        counted_to = start.max(counted_to);
        let line = text_line.saturating_sub(embedded_breaks);
        embedded_breaks += record
            .iter()
            .map(|f| f.matches('\n').count())
            .sum::<usize>();

        let Some(map) = &header else {
            header = Some(map_header(file, &record, columns)?);
            continue;
        };
        let cells: Vec<&str> = record.iter().map(str::trim).collect();
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        let mut values = vec![String::new(); columns.len()];
        let mut stray = false;
        for (i, cell) in cells.iter().enumerate() {
            match map.get(i).copied().flatten() {
                Some(col) => {
                    if let Some(c) = control_char(cell, columns[col].lines) {
                        stray = true;
                        bad.push(line, columns[col].label(), &shown(cell), control_message(c));
                    }
                    values[col] = (*cell).to_owned();
                }
                None if cell.is_empty() => {}
                None => {
                    stray = true;
                    let message = if i >= map.len() {
                        format!(
                            "this row has {} values but the header has {} columns; a value \
                             containing a comma must be put in double quotes (\"...\")",
                            cells.len(),
                            map.len()
                        )
                    } else {
                        format!(
                            "value in column {} which has no name in the header; move it to a \
                             named column or delete it",
                            i + 1
                        )
                    };
                    bad.push(line, ("", ""), cell, message);
                    break;
                }
            }
        }
        if !stray {
            rows.push(Row { line, values });
        }
    }
    if header.is_none() {
        return Err(ImportError::Header {
            file: file.to_owned(),
            message: format!(
                "the file is empty; its first line must name the columns: {}",
                column_list(columns)
            ),
        });
    }
    Ok(rows)
}

/// Maps each header cell to the index of its documented column (None for unnamed cells).
fn map_header(
    file: &str,
    record: &csv::StringRecord,
    columns: &[Column],
) -> Result<Vec<Option<usize>>, ImportError> {
    let mut map = Vec::new();
    let mut problems = Vec::new();
    let mut seen = vec![false; columns.len()];
    for cell in record.iter() {
        let name = cell.trim().trim_start_matches('\u{FEFF}').trim();
        if name.is_empty() {
            map.push(None);
            continue;
        }
        let found = columns
            .iter()
            .position(|c| c.key.eq_ignore_ascii_case(name) || c.zh == name);
        match found {
            Some(i) if seen[i] => {
                problems.push(format!("column {} appears twice", columns[i].key));
                map.push(None);
            }
            Some(i) => {
                seen[i] = true;
                map.push(Some(i));
            }
            None => {
                problems.push(format!("unknown column \"{name}\""));
                map.push(None);
            }
        }
    }
    for (c, seen) in columns.iter().zip(&seen) {
        if c.required && !seen {
            problems.push(format!("column {} ({}) is missing", c.key, c.zh));
        }
    }
    if problems.is_empty() {
        Ok(map)
    } else {
        Err(ImportError::Header {
            file: file.to_owned(),
            message: format!(
                "{}; the first line must name the columns: {}",
                problems.join("; "),
                column_list(columns)
            ),
        })
    }
}

/// The first character of `cell` that has no place in a name, a plate or a note: NUL and the
/// other control characters (a line break or tab only where `lines`), and the invisible marks
/// that turn text right-to-left (a name would show on the guard's screen other than it reads).
fn control_char(cell: &str, lines: bool) -> Option<char> {
    cell.chars().find(|&c| {
        let allowed = lines && matches!(c, '\n' | '\r' | '\t');
        let bidi = matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        );
        (c.is_control() && !allowed) || bidi
    })
}

/// `cell` as a report shows it: its control characters written as `\u{0}`, so that the report
/// itself stays on its line and shows them.
fn shown(cell: &str) -> String {
    cell.chars()
        .map(|c| {
            if control_char(c.encode_utf8(&mut [0; 4]), false).is_some() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// What the report says about a control character in a cell.
fn control_message(c: char) -> String {
    let code = format!("U+{:04X}", u32::from(c));
    format!(
        "这一格含有看不见的控制字符 {code}，请删掉这一格的内容后重新输入 (the cell holds the \
         invisible control character {code}: clear the cell and type it again)"
    )
}

fn column_list(columns: &[Column]) -> String {
    columns
        .iter()
        .map(|c| {
            if c.required {
                format!("{} ({})", c.key, c.zh)
            } else {
                format!("{} ({}, may be left out)", c.key, c.zh)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[Column] = &[
        Column {
            key: "name",
            zh: "姓名",
            required: true,
            lines: false,
        },
        Column {
            key: "notes",
            zh: "备注",
            required: false,
            lines: true,
        },
    ];

    fn read(text: &str) -> (Result<Vec<Row>, ImportError>, Collector) {
        let mut bad = Collector::new("t.csv");
        let rows = read_table("t.csv", text.as_bytes(), COLS, &mut bad);
        (rows, bad)
    }

    #[test]
    fn line_numbers_count_like_a_spreadsheet() {
        let (rows, bad) = read("name,notes\n张三,\"two\nlines\"\n\n李四, x \n");
        let rows = rows.unwrap();
        assert!(bad.rows.is_empty());
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].line, rows[0].get(0)), (2, "张三"));
        // the quoted cell spans two text lines but one spreadsheet row; the blank line is row 3
        assert_eq!(
            (rows[1].line, rows[1].get(0), rows[1].get(1)),
            (4, "李四", "x")
        );
    }

    #[test]
    fn line_numbers_with_crlf_and_blank_lines() {
        let (rows, _) = read("name,notes\r\n\r\n张三,\r\n,\r\n\r\n李四,\"a\r\nb\"\r\n王五,\r\n");
        let lines: Vec<_> = rows
            .unwrap()
            .iter()
            .map(|r| (r.line, r.get(0).to_owned()))
            .collect();
        assert_eq!(
            lines,
            vec![
                (3, "张三".to_owned()),
                (6, "李四".to_owned()),
                (7, "王五".to_owned())
            ]
        );
    }

    #[test]
    fn chinese_headers_any_order_and_optional_columns() {
        let (rows, _) = read("备注 , 姓名\nhi,张三\n");
        let rows = rows.unwrap();
        assert_eq!((rows[0].get(0), rows[0].get(1)), ("张三", "hi"));
        let (rows, _) = read("NAME\n张三\n");
        assert_eq!(rows.unwrap()[0].get(1), "");
    }

    #[test]
    fn header_problems_are_named() {
        let (r, _) = read("nmae,notes,notes,phone\n");
        let e = r.unwrap_err().to_string();
        assert!(e.contains("unknown column \"nmae\""), "{e}");
        assert!(e.contains("column notes appears twice"), "{e}");
        assert!(e.contains("column name (姓名) is missing"), "{e}");
        let (r, _) = read("");
        assert!(r.unwrap_err().to_string().contains("the file is empty"));
    }

    #[test]
    fn control_characters_are_a_bad_row_naming_the_line_and_column() {
        let (rows, bad) =
            read("name,notes\n王\u{0}伟,\n李娜,\"two\nlines\ttabbed\"\n张\u{202E}强,\n");
        let rows = rows.unwrap();
        // the note's line break and tab are allowed; nothing else is
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].get(0), "李娜");
        let found: Vec<_> = bad
            .rows
            .iter()
            .map(|r| (r.line, r.column.as_str(), r.value.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![(2, "name", "王\\u{0}伟"), (4, "name", "张\\u{202e}强"),],
            "{:?}",
            bad.rows
        );
        assert!(
            bad.rows[0].message.contains("控制字符 U+0000"),
            "{}",
            bad.rows[0]
        );
        assert!(bad.rows[0].message.contains("control character U+0000"));
        // a line break in a name (a quoted cell), a bell in a note
        let (rows, bad) = read("name,notes\n\"赵\n六\",\n钱七,\"x\u{7}\"\n");
        assert!(rows.unwrap().is_empty());
        let found: Vec<_> = bad
            .rows
            .iter()
            .map(|r| (r.line, r.column.as_str()))
            .collect();
        assert_eq!(found, vec![(2, "name"), (3, "notes")], "{:?}", bad.rows);
        let text = bad.rows[0].to_string();
        assert!(!text.contains('\n'), "the report stays on one line: {text}");
    }

    #[test]
    fn extra_values_are_a_bad_row() {
        let (rows, bad) = read("name,notes\n张三,a,b\n李四,,\n");
        assert_eq!(rows.unwrap().len(), 1);
        assert_eq!(bad.rows.len(), 1);
        assert_eq!((bad.rows[0].line, bad.rows[0].value.as_str()), (2, "b"));
        assert!(bad.rows[0].message.contains("double quotes"));
    }
}
