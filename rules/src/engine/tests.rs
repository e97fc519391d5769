use super::*;

fn engine() -> &'static RuleEngine {
    use std::sync::OnceLock;
    static E: OnceLock<RuleEngine> = OnceLock::new();
    E.get_or_init(|| RuleEngine::default_pack().expect("default pack loads"))
}

fn extract(text: &str) -> Extraction {
    engine().extract(&Document {
        id: "t",
        text,
        default_region: None,
    })
}

/// [`extract`] without the per-document entity limit, for texts of many ads.
fn extract_all(text: &str) -> Extraction {
    use std::sync::OnceLock;
    static E: OnceLock<RuleEngine> = OnceLock::new();
    E.get_or_init(|| {
        RuleEngine::default_pack()
            .expect("default pack loads")
            .with_entity_limit(usize::MAX)
    })
    .extract(&Document {
        id: "t",
        text,
        default_region: None,
    })
}

#[test]
fn every_example_of_the_default_pack_passes() {
    let report = engine().test_examples(&[]);
    let msgs: Vec<String> = report
        .failures
        .iter()
        .map(|f| format!("{} ({}) {:?}\n{}", f.rule, f.location, f.text, f.diff))
        .collect();
    assert!(
        msgs.is_empty(),
        "{} of {} examples failed:\n{}",
        msgs.len(),
        report.run,
        msgs.join("\n\n")
    );
    assert!(report.run > 100, "only {} examples", report.run);
}

#[test]
fn engine_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<RuleEngine>();
}

#[test]
fn macedonian_glock_ad() {
    let x = engine().extract(&Document {
        id: "l-1",
        text: "Продавам пиштол Глок 19, 350 евра, тел 070 123 456",
        default_region: Some("MK"),
    });
    assert!(x.relevant, "{x:?}");
    assert_eq!(x.language.as_deref(), Some("mk"));
    let w = x.entities_of("weapon").next().expect("weapon");
    assert_eq!(
        (w.normalized.as_str(), w.make.as_deref(), w.model.as_deref()),
        ("Glock 19", Some("Glock"), Some("19"))
    );
    assert_eq!(
        x.entities_of("weapon_type")
            .next()
            .map(|e| e.normalized.as_str()),
        Some("pistol")
    );
    let p = x.entities_of("price").next().expect("price");
    assert_eq!(
        (p.amount, p.currency.as_deref()),
        (Some(350.0), Some("EUR"))
    );
    let ph = x.entities_of("phone").next().expect("phone");
    assert_eq!(ph.normalized, "+38970123456");
    assert_eq!(ph.value, "070 123 456");
    assert!(x.categories.contains(&"firearm/pistol".to_owned()));
    assert_eq!(x.eu_category.as_deref(), Some("B"));
    assert_eq!(
        x.rule_pack,
        PackRef {
            id: "salw-core".into(),
            version: "2026.11.1".into()
        }
    );
    // Region from the language when the site gives none.
    let y = extract("Продавам пиштол Глок 19, 350 евра, тел 070 123 456");
    assert_eq!(
        y.entities_of("phone").next().map(|e| e.normalized.as_str()),
        Some("+38970123456")
    );
}

#[test]
fn albanian_obfuscated_glock() {
    let x = extract("Shes pistoletë gl0ck 17 me municion, çmimi 350e");
    assert!(x.relevant);
    assert_eq!(x.language.as_deref(), Some("sq"));
    assert_eq!(
        x.entities_of("weapon")
            .next()
            .map(|e| e.normalized.as_str()),
        Some("Glock 17")
    );
    let p = x.entities_of("price").next().expect("price");
    assert_eq!(p.normalized, "350 EUR");
    assert_eq!(p.value, "350e");
}

#[test]
fn hard_negatives() {
    let x = extract("Prodajem pištolj za silikon, nov, 800 din");
    assert!(!x.relevant);
    assert!(x.categories.is_empty());
    assert_eq!(
        x.entities_of("price").next().map(|e| e.normalized.as_str()),
        Some("800 RSD")
    );
    let x = extract("Prodajem airsoft repliku Glock 17, 120 eur, tel 064 123 4567");
    assert!(!x.relevant);
    assert!(x.flags.contains(&"replica".to_owned()));
    assert_eq!(
        x.entities_of("phone").next().map(|e| e.normalized.as_str()),
        Some("+381641234567")
    );
    let x = extract("AK-47 | Redline (Field-Tested) 15 eur");
    assert!(!x.relevant);
    let x = extract("Policija zaplenila 20 pištolja i 500 metaka");
    assert!(!x.relevant);
    let x = extract("пиштол за силикон 300 ден");
    assert!(!x.relevant);
    let x = extract("Shes pistoletë për ngjyrosje");
    assert!(!x.relevant);
}

#[test]
fn converted_and_wanted() {
    let x = extract("Zoraki 917 e konvertuar");
    assert!(x.relevant, "{x:?}");
    assert_eq!(x.flags, ["converted"]);
    assert_eq!(x.eu_category.as_deref(), Some("B"));
    assert!(
        x.eu_category_reason
            .as_deref()
            .unwrap_or_default()
            .contains("converted")
    );
    let x = extract("Kupujem Zastava M70");
    assert!(x.relevant);
    assert_eq!(x.flags, ["wanted"]);
    assert_eq!(
        x.entities_of("weapon")
            .next()
            .map(|e| e.normalized.as_str()),
        Some("Zastava M70")
    );
}

#[test]
fn identifiers_in_any_document() {
    let text = "Car for sale. BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa, bad 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb, \
                mail Seller@Example.invalid, tg @car_dealer_01, \
                2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion";
    let x = extract(text);
    assert!(!x.relevant);
    let kinds: Vec<(&str, &str)> = x
        .entities
        .iter()
        .map(|e| (e.kind.as_str(), e.normalized.as_str()))
        .collect();
    assert!(
        kinds.contains(&("btc_address", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")),
        "{kinds:?}"
    );
    assert_eq!(x.entities_of("btc_address").count(), 1);
    assert!(kinds.contains(&("email", "seller@example.invalid")));
    assert!(kinds.contains(&("telegram", "@car_dealer_01")));
    assert!(kinds.contains(&(
        "onion",
        "2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion"
    )));
    for e in &x.entities {
        assert_eq!(&text[e.span[0]..e.span[1]], e.value);
    }
}

#[test]
fn spans_and_order() {
    let text = "Glock 19 i CZ 75 B, 9mm, 300 eur";
    let x = extract(text);
    let starts: Vec<usize> = x.entities.iter().map(|e| e.span[0]).collect();
    let mut sorted = starts.clone();
    sorted.sort_unstable();
    assert_eq!(starts, sorted);
    for e in &x.entities {
        assert_eq!(&text[e.span[0]..e.span[1]], e.value);
    }
}

/// The thread's reused buffers (rules in first-hit order, the hits' order) carry nothing from
/// one document to the next: each document extracts as it does on a fresh thread, after
/// documents with more hits, fewer, or none, and after `explain`.
#[test]
fn reused_buffers_carry_nothing_between_documents() {
    let docs = [
        "Prodajem Glock 19 i CZ 75 B, 9mm, 300 eur, tel 064 123 4567, konvertovan",
        "",
        "Продавам пиштол Застава М70, 200 евра",
        "nothing to see here",
        "Shes pushke AK-47 me 30 fishekë, 500 euro, deaktivizuar",
        "Glock 19",
    ];
    let fresh: Vec<Extraction> = docs
        .iter()
        .map(|d| {
            let d = d.to_string();
            std::thread::spawn(move || extract(&d))
                .join()
                .expect("thread")
        })
        .collect();
    for round in 0..2 {
        for (d, want) in docs.iter().zip(&fresh) {
            assert_eq!(&extract(d), want, "round {round}: {d:?}");
            if round == 1 {
                let explained = engine().explain(&Document {
                    id: "t",
                    text: d,
                    default_region: None,
                });
                assert_eq!(&explained.extraction, want, "explain: {d:?}");
            }
        }
    }
    for (d, want) in docs.iter().zip(&fresh).rev() {
        assert_eq!(&extract(d), want, "reversed: {d:?}");
    }
}

#[test]
fn large_input_is_chunked() {
    let ad = "Prodajem Glock 19, 350 eur, tel 064 123 4567. ";
    let text = ad.repeat(3 * CHUNK / ad.len());
    let x = extract_all(&text);
    assert!(x.relevant);
    assert!(x.entities_of("weapon").count() >= 3 * CHUNK / ad.len() - 2);
}

/// Text of two- and three-byte characters across the chunk limit (an ad in Macedonian
/// Cyrillic, a euro sign): every chunk ends on a character boundary, every ad is read.
#[test]
fn large_cyrillic_input_is_chunked_on_character_boundaries() {
    let ad = "Продавам пиштол Глок 19, цена 350 €, тел 070 123 456. ";
    let n = 3 * CHUNK / ad.len();
    let x = extract_all(&ad.repeat(n));
    assert!(x.entities_of("weapon").count() >= n - 2);
    for spaces in 0..4 {
        // Shifted by a few bytes, so that the middle of a chunk falls inside a character.
        let text = format!("{}{}", " ".repeat(spaces), "ш".repeat(CHUNK));
        assert!(!extract(&text).relevant);
    }
}

proptest::proptest! {
    /// A chunk end is a character boundary after its start, at most a chunk on; chunks read
    /// one after the other cover the text.
    #[test]
    fn chunk_ends_are_character_boundaries(
        text in "[a-zш€😀 \n]{0,120}",
        chunk in 8usize..40,
    ) {
        let mut start = 0;
        while start < text.len() {
            let end = super::chunk_end_at(&text, start, chunk);
            proptest::prop_assert!(text.is_char_boundary(end));
            proptest::prop_assert!(end > start && end - start <= chunk);
            start = end;
        }
    }
}

#[test]
fn empty_text() {
    let x = extract("");
    assert!(!x.relevant);
    assert!(x.entities.is_empty());
}

#[test]
fn bad_packs_name_file_line_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.toml");
    std::fs::write(
        &p,
        "[pack]\nid = \"x\"\nversion = \"1\"\n\n[[rule]]\nid = \"bad.regex\"\nkind = \"weapon\"\npattern = 'glock(\\d'\n",
    )
    .unwrap();
    let err = RuleEngine::load_files(std::slice::from_ref(&p))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bad.toml:6") && err.contains("bad.regex") && err.contains("unclosed"),
        "{err}"
    );
    std::fs::write(&p, "[pack]\nid = \"x\"\nversion = \"1\"\n[[rule]]\nid = \"e\"\nkind = \"cue\"\npattern = 'a*'\n").unwrap();
    let err = RuleEngine::load_files(std::slice::from_ref(&p))
        .unwrap_err()
        .to_string();
    assert!(err.contains("empty string"), "{err}");
    std::fs::write(&p, "[pack]\nid = \"x\"\nversion = \"1\"\n[[rule]]\nid = \"big\"\nkind = \"cue\"\npattern = '(?:\\w{100}){100}'\n").unwrap();
    let err = RuleEngine::load_files(std::slice::from_ref(&p))
        .unwrap_err()
        .to_string();
    assert!(err.contains("pathological"), "{err}");
    std::fs::write(
        &p,
        "[pack]\nid = \"x\"\nversion = \"1\"\n[[rule]]\nid = 7\n",
    )
    .unwrap();
    let err = RuleEngine::load_files(std::slice::from_ref(&p))
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.toml:5"), "{err}");
}

#[test]
fn later_pack_overrides_rule_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("override.toml");
    std::fs::write(
        &p,
        "[pack]\nid = \"local\"\nversion = \"1\"\n[[rule]]\nid = \"weapon.glock\"\nkind = \"weapon\"\nterms = [\"glock\"]\nfields = { normalized = \"GLOCK-ANY\" }\n",
    )
    .unwrap();
    let e = RuleEngine::with_packs(std::slice::from_ref(&p)).unwrap();
    let x = e.extract(&Document {
        id: "o",
        text: "glock 19",
        default_region: None,
    });
    assert_eq!(
        x.entities_of("weapon")
            .next()
            .map(|e| e.normalized.as_str()),
        Some("GLOCK-ANY")
    );
    assert_eq!(e.packs().len(), 2);
    assert_eq!(x.rule_packs.len(), 2);
}

/// A rule's `group` that takes no part in a match gives the whole match (whole-text rules and
/// rules near a term alike), as it always did.
#[test]
fn a_group_outside_the_match_gives_the_whole_match() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("groups.toml");
    std::fs::write(
        &p,
        "[pack]\nid = \"local\"\nversion = \"1\"\n\
         [[rule]]\nid = \"t.whole\"\nkind = \"email\"\npattern = 'zq(?P<g>\\d+)?zq'\ngroup = \"g\"\n\
         [[rule]]\nid = \"t.near\"\nkind = \"weapon\"\nterms = [\"qxv\"]\npattern = 'qxv(?P<g>\\d+)?'\ngroup = \"g\"\n",
    )
    .unwrap();
    let e = RuleEngine::with_packs(std::slice::from_ref(&p)).unwrap();
    let text = "zqzq and qxv";
    let x = e.extract(&Document {
        id: "g",
        text,
        default_region: None,
    });
    let spans = |rule: &str| -> Vec<&str> {
        x.entities
            .iter()
            .filter(|e| e.rule == rule)
            .map(|e| &text[e.span[0]..e.span[1]])
            .collect()
    };
    assert_eq!(spans("t.whole"), ["zqzq"]);
    assert_eq!(spans("t.near"), ["qxv"]);
}

/// The nearest-calibre search by binary search picks what a look at every calibre picks.
fn nearest_caliber_by_scanning(
    calibers: &[([usize; 2], String)],
    span: [usize; 2],
) -> Option<usize> {
    calibers
        .iter()
        .enumerate()
        .map(|(i, (s, _))| {
            let gap = if s[0] >= span[1] {
                s[0] - span[1]
            } else {
                span[0].saturating_sub(s[1])
            };
            (gap, i)
        })
        .filter(|(gap, _)| *gap <= 48)
        .min_by_key(|(gap, _)| *gap)
        .map(|(_, i)| i)
}

proptest::proptest! {
    #[test]
    fn nearest_caliber_equals_a_look_at_every_calibre(
        steps in proptest::collection::vec((0usize..80, 1usize..12), 0..12),
        start in 0usize..600,
        len in 1usize..20,
    ) {
        // Calibres one after the other, never overlapping (entities of one kind).
        let mut at = 0;
        let calibers: Vec<([usize; 2], String)> = steps
            .iter()
            .map(|(gap, len)| {
                let span = [at + gap, at + gap + len];
                at = span[1];
                (span, String::new())
            })
            .collect();
        let span = [start, start + len];
        proptest::prop_assert_eq!(
            super::nearest_caliber(&calibers, span),
            nearest_caliber_by_scanning(&calibers, span)
        );
    }
}

/// Ammunition ads over several chunks: every ammunition entity gets the calibre written next
/// to it. (A look at every calibre for every ammunition entity took 14 s for 4 MB of these.)
#[test]
fn ammunition_takes_its_calibre_across_a_long_text() {
    let ads = [
        "Prodajem municiju 9x19mm, 50 kom, 20 eur. ",
        "Shes municion 7.62x39, kuti 30 euro. ",
    ];
    let text = ads.concat().repeat(2 * CHUNK / ads.concat().len());
    let x = extract_all(&text);
    let ammo: Vec<&Entity> = x.entities_of("ammunition").collect();
    assert!(
        ammo.len() >= 2 * (2 * CHUNK / ads.concat().len()) - 4,
        "{}",
        ammo.len()
    );
    for (i, e) in ammo.iter().enumerate() {
        let want = if text[e.span[0]..].starts_with("municiju") {
            "9x19mm"
        } else {
            "7.62x39mm"
        };
        assert_eq!(e.normalized, want, "ammunition #{i} at {:?}", e.span);
    }
}

/// Past the per-document limit entities are counted, not reported; the ones reported are the
/// first ones, and the verdict still reads the whole text.
#[test]
fn entities_past_the_limit_are_counted_not_reported() {
    let ad = "Prodajem Glock 19, 350 eur, tel 064 123 4567. ";
    let text = format!("{}Prodajem i bombu M75.", ad.repeat(40));
    let all = extract(&text);
    assert_eq!(all.entities_omitted, 0);
    assert!(all.entities.len() > 100, "{}", all.entities.len());
    let limited = RuleEngine::default_pack()
        .expect("default pack loads")
        .with_entity_limit(7)
        .extract(&Document {
            id: "t",
            text: &text,
            default_region: None,
        });
    assert_eq!(limited.entities, all.entities[..7]);
    assert_eq!(limited.entities_omitted, all.entities.len() - 7);
    // The grenade at the very end is past the limit, yet it still classifies the text.
    assert!(
        limited
            .categories
            .iter()
            .any(|c| c.starts_with("explosive")),
        "{:?}",
        limited.categories
    );
    assert_eq!(
        (
            limited.relevant,
            limited.score,
            &limited.categories,
            &limited.flags,
            &limited.eu_category
        ),
        (
            all.relevant,
            all.score,
            &all.categories,
            &all.flags,
            &all.eu_category
        )
    );
    let json = serde_json::to_value(&limited).expect("serializes");
    assert_eq!(json["entities_omitted"], all.entities.len() - 7);
    assert!(
        serde_json::to_value(&all)
            .expect("serializes")
            .get("entities_omitted")
            .is_none()
    );
}

/// A rule that first hits in a later chunk still counts in the verdict.
#[test]
fn a_hit_in_a_later_chunk_counts_in_the_verdict() {
    let filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(CHUNK / 50);
    let x = extract(&format!("{filler}\nProdajem pištolj Glock 19, 350 eur."));
    assert!(x.relevant, "{x:?}");
    assert!(x.entities_of("weapon").any(|e| e.normalized == "Glock 19"));
}
