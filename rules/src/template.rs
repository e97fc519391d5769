//! Field templates: `Glock {model}`, `{model:compact:upper}`; `{0}` is the whole match.

/// Fills `template` from `get(name)` (a capture group's folded text, or `None`).
pub(crate) fn fill<'a>(template: &str, get: impl Fn(&str) -> Option<&'a str>) -> String {
    let mut out = String::with_capacity(template.len() + 8);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let inner = &rest[open + 1..open + close];
        let mut parts = inner.split(':');
        let name = parts.next().unwrap_or_default();
        let mut value = get(name).unwrap_or_default().to_owned();
        for op in parts {
            value = match op {
                "upper" => value.to_uppercase(),
                "lower" => value.to_lowercase(),
                "compact" => value
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
                    .collect(),
                "title" => title(&value),
                _ => value,
            };
        }
        out.push_str(&value);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn title(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn templates() {
        let get = |n: &str| match n {
            "model" => Some("m 70"),
            "make" => Some("zastava"),
            _ => None,
        };
        assert_eq!(
            fill("{make:title} {model:compact:upper}", get),
            "Zastava M70"
        );
        assert_eq!(fill("Glock {missing}", get), "Glock");
        assert_eq!(fill("plain", get), "plain");
    }
}
