//! Outputs: each a pure function from a result (run summary, comparison, …) to text or bytes.
//! Files are written elsewhere ([`crate::output`]).

pub mod charts;
pub mod compare;
pub mod csv;
pub mod figures;
#[cfg(test)]
pub(crate) mod fixture;
pub mod html;
pub mod json;
pub mod lang;
pub mod sensitivity;
pub mod size;
pub mod sweep;
pub mod table;

/// `text` wrapped at word boundaries to lines of at most `width` characters (a longer word
/// stays whole), every line after the first starting with `indent`.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if line > 0 && line + 1 + n > width {
            out.push('\n');
            out.push_str(indent);
            line = indent.chars().count();
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += n;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrap_keeps_lines_within_the_width() {
        let text = "the register holds every closure, by the end of 2019, of those who entered";
        let w = super::wrap(text, 30, "  ");
        assert!(w.lines().all(|l| l.chars().count() <= 30), "{w}");
        assert_eq!(
            w.split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
        assert!(w.lines().skip(1).all(|l| l.starts_with("  ")));
        assert_eq!(super::wrap("a b", 10, "  "), "a b");
    }
}
