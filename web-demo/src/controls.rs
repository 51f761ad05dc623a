//! Page controls (sizes, counts, densities, pattern parameters): declared by each op, drawn by
//! the page, and validated here so that a bad value gets a message next to its control before
//! anything runs. The same rules check the values again when an op reads them.

use serde::Serialize;
use std::collections::BTreeMap;

/// What a control accepts.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ControlKind {
    /// One whole number in `min..=max`.
    Int {
        /// Smallest accepted value.
        min: u64,
        /// Largest accepted value.
        max: u64,
    },
    /// A comma-separated list of whole numbers, each in `min..=max`, at most `max_len` of them.
    IntList {
        /// Smallest accepted value.
        min: u64,
        /// Largest accepted value.
        max: u64,
        /// Most entries.
        max_len: usize,
    },
    /// A real number in `min..=max` (densities, scales).
    Float {
        /// Smallest accepted value.
        min: f64,
        /// Largest accepted value.
        max: f64,
    },
    /// One of a fixed set of words (pattern names, dtypes).
    Choice {
        /// The accepted words.
        options: Vec<&'static str>,
    },
}

/// One control of a page section.
#[derive(Clone, Debug, Serialize)]
pub struct Control {
    /// Key in [`Params`].
    pub id: &'static str,
    /// Label shown next to the input.
    pub label: &'static str,
    /// Initial value.
    pub default: &'static str,
    /// What it means and why its range is what it is (shown as a tooltip and hint).
    pub help: &'static str,
    /// Accepted values.
    pub kind: ControlKind,
}

impl Control {
    /// A whole-number control.
    pub fn int(
        id: &'static str,
        label: &'static str,
        default: &'static str,
        min: u64,
        max: u64,
        help: &'static str,
    ) -> Self {
        Self {
            id,
            label,
            default,
            help,
            kind: ControlKind::Int { min, max },
        }
    }

    /// The timed-runs control every Measure section has (id `iters`, 1 to 30).
    pub fn iters(default: &'static str) -> Self {
        Self::int(
            "iters",
            "timed runs",
            default,
            1,
            30,
            "the median of this many runs is shown",
        )
    }

    /// A list-of-whole-numbers control.
    pub fn int_list(
        id: &'static str,
        label: &'static str,
        default: &'static str,
        (min, max, max_len): (u64, u64, usize),
        help: &'static str,
    ) -> Self {
        Self {
            id,
            label,
            default,
            help,
            kind: ControlKind::IntList { min, max, max_len },
        }
    }

    /// A real-number control.
    pub fn float(
        id: &'static str,
        label: &'static str,
        default: &'static str,
        min: f64,
        max: f64,
        help: &'static str,
    ) -> Self {
        Self {
            id,
            label,
            default,
            help,
            kind: ControlKind::Float { min, max },
        }
    }

    /// A choice among words.
    pub fn choice(
        id: &'static str,
        label: &'static str,
        default: &'static str,
        options: Vec<&'static str>,
        help: &'static str,
    ) -> Self {
        Self {
            id,
            label,
            default,
            help,
            kind: ControlKind::Choice { options },
        }
    }

    /// Checks `raw`; `Err` holds the message shown next to the control.
    pub fn validate(&self, raw: &str) -> Result<Value, String> {
        let raw = raw.trim();
        match &self.kind {
            ControlKind::Int { min, max } => parse_int(raw, *min, *max).map(Value::Int),
            ControlKind::IntList { min, max, max_len } => {
                let parts: Vec<&str> = raw.split(',').map(str::trim).collect();
                if raw.is_empty() || parts.iter().any(|p| p.is_empty()) {
                    return Err("give whole numbers separated by commas, e.g. 64, 128".into());
                }
                if parts.len() > *max_len {
                    return Err(format!("at most {max_len} values (each one is a run)"));
                }
                parts
                    .iter()
                    .map(|p| parse_int(p, *min, *max))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::IntList)
            }
            ControlKind::Float { min, max } => {
                let v: f64 = raw
                    .parse()
                    .map_err(|_| format!("`{raw}` is not a number"))?;
                if !v.is_finite() || v < *min || v > *max {
                    return Err(format!("must be between {min} and {max}"));
                }
                Ok(Value::Float(v))
            }
            ControlKind::Choice { options } => {
                if options.contains(&raw) {
                    Ok(Value::Word(raw.to_string()))
                } else {
                    Err(format!("must be one of: {}", options.join(", ")))
                }
            }
        }
    }
}

fn parse_int(raw: &str, min: u64, max: u64) -> Result<u64, String> {
    if raw.is_empty() {
        return Err("enter a whole number".into());
    }
    let v: u64 = raw
        .parse()
        .map_err(|_| format!("`{raw}` is not a whole number"))?;
    if v < min || v > max {
        return Err(format!(
            "{v} is out of range: must be between {min} and {max}"
        ));
    }
    Ok(v)
}

/// A validated control value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// From [`ControlKind::Int`].
    Int(u64),
    /// From [`ControlKind::IntList`].
    IntList(Vec<u64>),
    /// From [`ControlKind::Float`].
    Float(f64),
    /// From [`ControlKind::Choice`].
    Word(String),
}

/// The values of one section's controls, validated against their declarations.
#[derive(Clone, Debug, Default)]
pub struct Params {
    values: BTreeMap<&'static str, Value>,
}

impl Params {
    /// Validates the raw strings the page sent (missing ones take the default). On failure,
    /// returns `(control id, message)` of the first bad control.
    pub fn parse(
        controls: &[Control],
        raw: &BTreeMap<String, String>,
    ) -> Result<Self, (String, String)> {
        let mut values = BTreeMap::new();
        for c in controls {
            let text = raw.get(c.id).map(String::as_str).unwrap_or(c.default);
            let v = c.validate(text).map_err(|m| (c.id.to_string(), m))?;
            values.insert(c.id, v);
        }
        Ok(Self { values })
    }

    /// A whole number (as u32: every declared range fits).
    pub fn int(&self, id: &str) -> u32 {
        match self.values.get(id) {
            Some(Value::Int(v)) => *v as u32,
            _ => 0,
        }
    }

    /// A list of whole numbers.
    pub fn int_list(&self, id: &str) -> Vec<u32> {
        match self.values.get(id) {
            Some(Value::IntList(v)) => v.iter().map(|&x| x as u32).collect(),
            _ => Vec::new(),
        }
    }

    /// A real number.
    pub fn float(&self, id: &str) -> f64 {
        match self.values.get(id) {
            Some(Value::Float(v)) => *v,
            _ => 0.0,
        }
    }

    /// A word.
    pub fn word(&self, id: &str) -> &str {
        match self.values.get(id) {
            Some(Value::Word(v)) => v,
            _ => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_are_checked() {
        let c = Control::int("m", "M", "64", 1, 512, "");
        assert_eq!(c.validate(" 7 "), Ok(Value::Int(7)));
        assert!(c.validate("0").unwrap_err().contains("between 1 and 512"));
        assert!(c.validate("513").is_err());
        assert!(c
            .validate("abc")
            .unwrap_err()
            .contains("not a whole number"));
        assert!(c.validate("-3").is_err());
        assert!(c.validate("2.5").is_err());
        assert!(c.validate("").is_err());
    }

    #[test]
    fn lists_are_checked() {
        let c = Control::int_list("sizes", "sizes", "64", (1, 1024, 3), "");
        assert_eq!(c.validate("64, 128"), Ok(Value::IntList(vec![64, 128])));
        assert!(c.validate("64,,128").is_err());
        assert!(c.validate("64,abc").unwrap_err().contains("abc"));
        assert!(c.validate("1,2,3,4").unwrap_err().contains("at most 3"));
        assert!(c.validate("2000").is_err());
    }

    #[test]
    fn floats_and_choices_are_checked() {
        let d = Control::float("density", "density", "0.5", 0.0, 1.0, "");
        assert_eq!(d.validate("0.25"), Ok(Value::Float(0.25)));
        assert!(d.validate("1.5").is_err());
        assert!(d.validate("NaN").is_err());
        let p = Control::choice(
            "pattern",
            "pattern",
            "diagonal",
            vec!["diagonal", "stripes"],
            "",
        );
        assert!(p.validate("stripes").is_ok());
        assert!(p
            .validate("zigzag")
            .unwrap_err()
            .contains("diagonal, stripes"));
    }

    #[test]
    fn params_report_the_bad_control() {
        let cs = vec![
            Control::int("m", "M", "8", 1, 64, ""),
            Control::int("n", "N", "8", 1, 64, ""),
        ];
        let mut raw = BTreeMap::new();
        raw.insert("n".to_string(), "99".to_string());
        let (id, msg) = Params::parse(&cs, &raw).unwrap_err();
        assert_eq!(id, "n");
        assert!(msg.contains("between 1 and 64"));
        raw.insert("n".to_string(), "9".to_string());
        let p = Params::parse(&cs, &raw).unwrap();
        assert_eq!((p.int("m"), p.int("n")), (8, 9));
    }
}
