use proptest::prelude::*;

use super::*;

fn fold(s: &str) -> String {
    normalize(s).text
}

#[test]
fn folds_case_diacritics_and_scripts() {
    assert_eq!(fold("Pištolj ČZ"), "pistolj cz");
    assert_eq!(fold("Продавам пиштол Глок 19"), "prodavam pistol glok 19");
    assert_eq!(fold("пиштољ"), "pistolj");
    assert_eq!(
        fold("Ђорђе ћерка џак љубав њива ѓавол ќерка ѕид"),
        "djordje cerka dzak ljubav njiva gjavol kjerka dzid"
    );
    // Single letters in a row are read as one obfuscated word.
    assert_eq!(fold("ћ џ љ њ"), "cdzljnj");
    assert_eq!(fold("pistoletë çmimi"), "pistolete cmimi");
    assert_eq!(fold("Schalldämpfer Straße"), "schalldampfer strasse");
    assert_eq!(fold("ＧＬＯＣＫ"), "glock");
}

#[test]
fn folds_obfuscation() {
    assert_eq!(fold("gl0ck"), "glock");
    assert_eq!(fold("p1stol"), "pistol");
    assert_eq!(fold("pi$tol"), "pistol");
    assert_eq!(fold("G l o c k 19"), "glock 19");
    assert_eq!(fold("g.l.o.c.k"), "glock");
    assert_eq!(fold("g-l-0-c-k"), "glock");
    assert_eq!(fold("gl🔫ock"), "glock");
    assert_eq!(fold("g\u{200B}lock"), "glock");
    // Cyrillic look-alikes inside a Latin word read as Latin.
    assert_eq!(fold("Glосk"), "glock");
    // Greek look-alikes.
    assert_eq!(fold("GLΟCK"), "glock");
}

#[test]
fn keeps_numbers_models_and_handles() {
    assert_eq!(
        fold("AK-47 m4a1 M70 gen4 c4 9x19mm 7.62x39"),
        "ak-47 m4a1 m70 gen4 c4 9x19mm 7.62x39"
    );
    assert_eq!(fold("350e 070 123 456"), "350e 070 123 456");
    assert_eq!(fold("@seller $350"), "@seller $350");
    assert_eq!(fold("a  b\t\tc"), "a b c");
    assert_eq!(fold("350 e re"), "350 e re");
}

#[test]
fn maps_back_to_original() {
    let src = "Продавам Глок 19";
    let n = normalize(src);
    let at = n.text.find("glok").unwrap();
    let r = n.original_range(at..at + 4);
    assert_eq!(&src[r], "Глок");
    let src = "x G l o c k y";
    let n = normalize(src);
    let at = n.text.find("glock").unwrap();
    assert_eq!(&src[n.original_range(at..at + 5)], "G l o c k");
    let src = "café";
    let n = normalize("cafe\u{301}");
    assert_eq!(n.text, "cafe");
    assert_eq!(n.original_range(3..4), 3..6);
    assert_eq!(normalize(src).original_range(10..12), 5..5);
}

#[test]
fn tokenizer_meets_across_languages() {
    let toks = |s: &str| tokenize(s).into_iter().map(|t| t.text).collect::<Vec<_>>();
    for q in ["Глок", "glok", "gl0ck", "G l o c k", "GLOCK"] {
        assert_eq!(toks(q), ["glock"], "{q}");
    }
    for q in [
        "пиштол",
        "пиштољ",
        "pištolj",
        "pistoletë",
        "pistolj",
        "pishtol",
        "pištolja",
    ] {
        assert_eq!(toks(q), ["pistol"], "{q}");
    }
    for q in ["пушка", "puška", "pushkë"] {
        assert_eq!(toks(q), ["rifle"], "{q}");
    }
    for q in ["kalašnjikov", "kallashnikov", "калашников"] {
        assert_eq!(toks(q), ["kalashnikov"], "{q}");
    }
    for q in ["municija", "муниција", "municion"] {
        assert_eq!(toks(q), ["ammunition"], "{q}");
    }
    for q in ["bomba", "бомба", "bombë"] {
        assert_eq!(toks(q), ["grenade"], "{q}");
    }
    let t = tokenize("Продавам Глок 19, 7.62x39");
    assert_eq!(
        t.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(),
        ["prodavam", "glock", "19", "7.62x39"]
    );
    assert_eq!(t[1].span, 17..25);
}

/// Found by the `extract` fuzz target: `Ԁ` (no transliteration) beside `Ђ` (→ `dj`) folded to
/// `ԁdj` the first time and `ddj` the second.
#[test]
fn untransliterated_cyrillic_in_a_word_turned_latin_folds_once() {
    let once = normalize("ԀЂ").text;
    assert_eq!(once, "ddj");
    assert_eq!(normalize(&once).text, once);
}

/// Found by the `extract` fuzz target: the soft sign in `иь` vanished only after the separator
/// pass, so `@ иь c Г` folded to `@ i c g` the first time and joined to `@icg` the second.
#[test]
fn a_letter_alone_after_its_soft_sign_drops_is_alone_on_the_first_pass() {
    let once = normalize("@\u{0}иь c Г").text;
    assert_eq!(normalize(&once).text, once);
}

/// Found by the `extract` fuzz target: `ŀ` decomposes to `l·`, a letter and a separator, which
/// the second folding saw as a lone `l` and joined with the `c c c` after it.
#[test]
fn a_decomposition_with_a_separator_folds_once() {
    let once = normalize("ŀc c c").text;
    assert_eq!(normalize(&once).text, once);
    assert_eq!(normalize("straße").text, "strasse");
}

/// Found by the `extract` fuzz target: the lone `Ԁ`s and the `@` between them joined into one
/// word, whose `@` became an `a` by leetspeak after the look-alike step had passed: `ԁԁaԁ` the
/// first time, `ddad` the second.
#[test]
fn a_word_made_latin_by_leetspeak_folds_once() {
    let once = normalize("\u{FFFD}Ԁ\u{FFFD}\u{FFFD}Ԁ\u{1}@\u{FFFD}\u{0}\u{FFFD}Ԁ").text;
    assert_eq!(once, " ddad");
    assert_eq!(normalize(&once).text, once);
}

proptest! {
    #[test]
    fn offsets_stay_on_char_boundaries(s in "\\PC{0,40}", a in 0usize..80, b in 0usize..80) {
        let n = normalize(&s);
        let (lo, hi) = (a.min(b), a.max(b));
        let r = n.original_range(lo..hi);
        prop_assert!(r.start <= r.end && r.end <= s.len());
        prop_assert!(s.is_char_boundary(r.start) && s.is_char_boundary(r.end));
    }

    #[test]
    fn normalizing_twice_changes_nothing(s in "\\PC{0,40}") {
        let once = normalize(&s).text;
        prop_assert_eq!(normalize(&once).text, once.clone());
    }

    #[test]
    fn idempotent_on_ad_like_text(s in "[a-zA-Z0-9 .@$\\-ščćžđЀ-ӿԀ-ԯ🔫ьЪ\\u{0}\\u{301}ŀßǆ½①]{0,40}") {
        let once = normalize(&s).text;
        prop_assert_eq!(normalize(&once).text, once.clone());
    }

    #[test]
    fn tokens_map_inside_original(s in "\\PC{0,40}") {
        for t in tokenize(&s) {
            prop_assert!(t.span.end <= s.len());
            prop_assert!(s.is_char_boundary(t.span.start) && s.is_char_boundary(t.span.end));
        }
    }
}

/// Text mixing every case the fast path must tell apart: inert words of each script, single
/// letters, digits beside letters, leetspeak, separators, emoji, invisible and combining marks,
/// non-ASCII whitespace and punctuation, soft signs, control characters.
fn ad_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-zA-Z]{1,6}",
        // Words of eight letters or more, which the stretch reads eight bytes at a time over
        // several words of eight bytes, ending in a space, another byte or the text's end.
        2 => " [a-zA-Z]{7,25}([ \n\t.,1@ëа]|\u{301})?",
        3 => "[а-яА-ЯђјљњћџѓќѕЂЈЉЊЋЏЃЌЅйЙьъЬЪёЁіїԀ]{1,6}",
        2 => "[ëçšđžćčßŀæÉÜ]{1,3}",
        2 => "[0-9]{1,4}",
        2 => "[ \\n\\t\\r\\u{0}\\u{7f}\\u{a0}\\u{2028}\\u{3000}]{1,3}",
        2 => "[.,\\-_*·|/+~•@$€–…«»°²½①]{1,2}",
        2 => "([a-zA-Zа-яёьë0-9@][ .\\-•/–]{1,3}){2,5}",
        1 => "([a-zа-я][ \u{2024}\u{2027}\u{2022}\u{b7}]{1,3}){3,5}",
        2 => "[a-zA-Zа-я]{0,3}[0-9@$]{1,2}[a-zA-Zа-я]{0,3}",
        1 => "[🔫💥\\u{200b}\\u{301}\\u{fe0f}ΟΑ]{1,2}",
        // A token whose first word is one character, after inert tokens (see `fast::Token`):
        // a number with a decimal mark, a letter before a stop mark or before a plain word,
        // separators alone, runs of single letters that could chain with them.
        2 => "[0-9][.,][0-9]{1,3}(x[0-9]{2})?",
        2 => "[a-zа-яёьë0-9][,:;!?)]{1,2}",
        2 => "[a-zа-яёë0-9ь][.\\-/·_]{1,2}[a-zA-Zа-я0-9]{1,4}",
        2 => " [/·|+\\-•~.]{1,2} ",
        2 => "( [a-zа-яë0-9]){1,5}[ \\n]",
        // Words of letters and digits that leetspeak may or may not rewrite (`Gen5`, `B3retta`,
        // `n0mad`, addresses).
        2 => "[a-zA-Z0-9]{0,4}[a-zA-Z][0-9][a-zA-Z0-9]{0,5}",
        2 => "[a-zA-Z]{1,3}[0134][a-z]{1,2}([0-9][a-z]?)?",
        // One word character alone before whitespace of any kind (`и`, `e`, `2`), which a
        // chain may or may not hold depending on what follows.
        3 => " [a-zа-яë0-9ь][ \\t\\r\\n\\u{a0}]{1,2}",
    ];
    proptest::collection::vec(piece, 0..14).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn fast_path_equals_the_unit_passes(s in ad_like()) {
        prop_assert_eq!(normalize(&s), normalize_units(&s));
    }

    #[test]
    fn fast_path_equals_the_unit_passes_on_any_text(s in "\\PC{0,40}") {
        prop_assert_eq!(normalize(&s), normalize_units(&s));
    }
}

#[test]
fn fast_path_equals_the_unit_passes_on_ad_text() {
    for s in [
        "Продавам пиштол Глок 19, цена 350€ — тел. 070 123 456",
        "Shes pistoletë Zastava M70, çmimi 300 euro. Kontakt: @seller_x",
        "G l o c k   19\n\nnov, neupotrebljen. Cena: 450 EUR / 52.000 din",
        "AK-47 ak47 a k 4 7 7.62x39 mm \u{a0}cal. 9x19 Straße Schalldämpfer",
        "  leading and trailing  \t",
        "ь ъ Ь нь кь ьь a b c d e",
        "gl🔫ock g.l.o.c.k p1stol pi$tol Glосk",
    ] {
        assert_eq!(normalize(s), normalize_units(s), "{s:?}");
    }
}
