//! Character tables of the normalizer: classes, Cyrillic transliteration and look-alikes.

/// What a folded unit is, for the word-level passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// A Latin (or other non-Cyrillic) letter.
    Letter,
    /// A Cyrillic letter, still in Cyrillic until the word pass picks transliteration or look-alike.
    Cyrillic,
    /// An ASCII digit.
    Digit,
    /// `@` or `$`: leetspeak inside a word, kept otherwise.
    LeetSym,
    /// Whitespace and control characters.
    Space,
    /// Punctuation and currency signs (kept in the folded text).
    Punct,
    /// Emoji and other symbols (dropped inside words, a space elsewhere).
    Symbol,
    /// Produces no output.
    Drop,
}

/// Format characters that never produce output (zero-width, bidi controls, variation selectors).
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{E0000}'..='\u{E0FFF}'
        | '\u{1F3FB}'..='\u{1F3FF}')
}

/// Punctuation (and currency signs) that stays in the folded text.
pub(crate) fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c,
            '\u{00A1}'..='\u{00BF}' | '\u{00D7}' | '\u{00F7}' | '\u{2010}'..='\u{2027}'
            | '\u{2030}'..='\u{205E}' | '\u{20A0}'..='\u{20CF}' | '\u{2E00}'..='\u{2E7F}'
            | '\u{3000}'..='\u{303F}' | '\u{2116}' | '\u{2212}')
}

/// True for Cyrillic letters.
pub(crate) fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}' | '\u{0500}'..='\u{052F}')
}

/// Latin letters without a canonical decomposition, folded by hand.
pub(crate) fn latin_special(c: char) -> Option<&'static str> {
    Some(match c {
        'đ' => "dj",
        'ð' => "d",
        'ł' => "l",
        'ø' => "o",
        'æ' => "ae",
        'œ' => "oe",
        'ß' => "ss",
        'ı' => "i",
        'þ' => "th",
        'ħ' => "h",
        'ŧ' => "t",
        'ƒ' => "f",
        _ => return None,
    })
}

/// Greek letters that look like Latin ones (always folded: sellers mix them into Latin words).
pub(crate) fn greek_lookalike(c: char) -> Option<char> {
    Some(match c {
        'α' => 'a',
        'β' => 'b',
        'ε' => 'e',
        'ζ' => 'z',
        'η' => 'n',
        'ι' => 'i',
        'κ' => 'k',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        _ => return None,
    })
}

/// Cyrillic letters that look like Latin ones, used inside words that also hold Latin letters.
pub(crate) fn cyrillic_lookalike(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'в' => "b",
        'е' => "e",
        'к' => "k",
        'м' => "m",
        'н' => "h",
        'о' => "o",
        'р' => "p",
        'с' => "c",
        'т' => "t",
        'у' => "y",
        'х' => "x",
        'ѕ' => "s",
        'і' => "i",
        'ј' => "j",
        'ԁ' => "d",
        'ԛ' => "q",
        'ԝ' => "w",
        _ => return None,
    })
}

/// Serbian/Macedonian (and common Russian) Cyrillic to Latin, folded the way the Latin
/// alphabets fold (`ш` → `s` as `š` → `s`, `ђ` → `dj` as `đ` → `dj`).
pub(crate) fn cyrillic_translit(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ґ' => "g",
        'д' => "d",
        'ђ' => "dj",
        'ѓ' => "gj",
        'е' | 'є' | 'э' => "e",
        'ж' => "z",
        'з' => "z",
        'ѕ' => "dz",
        'и' | 'і' => "i",
        'й' | 'ј' => "j",
        'к' => "k",
        'л' => "l",
        'љ' => "lj",
        'м' => "m",
        'н' => "n",
        'њ' => "nj",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'ћ' => "c",
        'ќ' => "kj",
        'у' | 'ў' => "u",
        'ф' => "f",
        'х' => "h",
        'ц' => "c",
        'ч' => "c",
        'џ' => "dz",
        'ш' => "s",
        'щ' => "sc",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => "ju",
        'я' => "ja",
        _ => return None,
    })
}

/// Leetspeak digit or symbol to letter; `1` reads as `l` before a vowel, `i` otherwise.
pub(crate) fn leet(c: char, next_is_vowel: bool) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' if next_is_vowel => 'l',
        '1' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '$' => 's',
        _ => return None,
    })
}

/// Separators sellers put between single letters (`g.l.o.c.k`, `g-l-o-c-k`, `g l o c k`).
pub(crate) fn is_letter_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '.' | '-' | '_' | '*' | '·' | '|' | '/' | '+' | '~' | '•'
    )
}
