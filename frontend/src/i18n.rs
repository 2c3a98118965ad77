//! Every word the UI shows, in English, German and Spanish: Project Fluent
//! catalogues (`frontend/locales/{en,de,es}/customer.ftl`, and `staff.ftl`
//! for the staff pages only, left out of the customer's build), compiled
//! in and looked up by message id. Plurals and numbers are Fluent's (`{ $count -> [one] … *[other] … }`),
//! so each language words them its own way.
//!
//! Which language a page speaks is chosen in the browser (`live::locale`);
//! this module only knows the catalogues, so it is tested natively: every id
//! of the English catalogue is in the others and formats without errors
//! (`tests` below), and no page or component writes words for people
//! outside the catalogue (`tests/untranslated.rs`).

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use std::cell::RefCell;

/// A language the UI is written in. English is the default and the fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    En,
    De,
    Es,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::De, Locale::Es];

    /// The BCP 47 tag, for `<html lang>`, `Intl` and storage.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Es => "es",
        }
    }

    /// The language's name in itself, for the language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::De => "Deutsch",
            Locale::Es => "Español",
        }
    }

    /// The supported language a tag such as `de-AT` or `es` asks for.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Locale::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// The first supported language of a browser's preference list
    /// (`navigator.languages`), English when none is.
    pub fn pick<S: AsRef<str>>(preferred: &[S]) -> Locale {
        preferred
            .iter()
            .find_map(|t| Locale::from_tag(t.as_ref()))
            .unwrap_or_default()
    }

    /// The catalogue files: the customer's pages' (shared with the staff
    /// pages), then the staff pages' own in the whole UI's build.
    fn sources(self) -> Vec<&'static str> {
        let customer = match self {
            Locale::En => include_str!("../locales/en/customer.ftl"),
            Locale::De => include_str!("../locales/de/customer.ftl"),
            Locale::Es => include_str!("../locales/es/customer.ftl"),
        };
        #[cfg(feature = "staff")]
        let staff = match self {
            Locale::En => include_str!("../locales/en/staff.ftl"),
            Locale::De => include_str!("../locales/de/staff.ftl"),
            Locale::Es => include_str!("../locales/es/staff.ftl"),
        };
        vec![
            customer,
            #[cfg(feature = "staff")]
            staff,
        ]
    }

    fn index(self) -> usize {
        self as usize
    }
}

fn bundle(locale: Locale) -> FluentBundle<FluentResource> {
    let lang = locale.tag().parse().expect("the locale tags are valid");
    let mut bundle = FluentBundle::new(vec![lang]);
    // No bidi isolation marks around placeables: the three languages are
    // written left to right, and the marks would show in copied text.
    bundle.set_use_isolating(false);
    for source in locale.sources() {
        let resource =
            FluentResource::try_new(source.to_string()).unwrap_or_else(|(resource, _)| resource);
        let _ = bundle.add_resource(resource);
    }
    bundle
}

thread_local! {
    static BUNDLES: RefCell<Vec<Option<FluentBundle<FluentResource>>>> =
        RefCell::new(Locale::ALL.iter().map(|_| None).collect());
}

/// A placeable's value: text or a number (numbers pick the plural form).
pub enum Arg<'a> {
    Str(&'a str),
    Num(f64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Str(s)
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Str(s)
    }
}
macro_rules! num_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                Arg::Num(n as f64)
            }
        }
    )*};
}
num_arg!(u8, u16, u32, u64, usize, i32, i64, f64);

/// The message `id` in `locale`. A missing id shows as itself (the tests
/// make sure none is missing).
pub fn tr(locale: Locale, id: &str) -> String {
    tr_args(locale, id, &[])
}

/// The message `id` in `locale` with its placeables filled in.
pub fn tr_args(locale: Locale, id: &str, args: &[(&str, Arg)]) -> String {
    format_message(locale, id, args).unwrap_or_else(|| id.to_string())
}

fn format_message(locale: Locale, id: &str, args: &[(&str, Arg)]) -> Option<String> {
    BUNDLES.with(|bundles| {
        let mut bundles = bundles.borrow_mut();
        let bundle = bundles[locale.index()].get_or_insert_with(|| bundle(locale));
        let pattern = bundle.get_message(id)?.value()?;
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            let value = match value {
                Arg::Str(s) => FluentValue::from(*s),
                Arg::Num(n) => FluentValue::from(*n),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        Some(text.into_owned())
    })
}

/// Every message id of a language's catalogue files, in file order.
pub fn message_ids(locale: Locale) -> Vec<String> {
    locale.sources().into_iter().flat_map(file_ids).collect()
}

fn file_ids(source: &str) -> Vec<String> {
    let resource = match FluentResource::try_new(source.to_string()) {
        Ok(r) | Err((r, _)) => r,
    };
    resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_catalogue_parses_and_has_every_english_message() {
        let files = ["customer.ftl", "staff.ftl"];
        let english = Locale::En.sources();
        assert_eq!(english.len(), files.len(), "tests build the whole UI");
        for locale in Locale::ALL {
            for ((file, source), en_source) in files.iter().zip(locale.sources()).zip(&english) {
                let name = format!("{}/{file}", locale.tag());
                if let Err((_, errors)) = FluentResource::try_new(source.to_string()) {
                    panic!("{name} does not parse: {errors:?}");
                }
                let en: BTreeSet<String> = file_ids(en_source).into_iter().collect();
                assert!(en.len() > 40, "en/{file} is read");
                let ids: BTreeSet<String> = file_ids(source).into_iter().collect();
                let missing: Vec<_> = en.difference(&ids).collect();
                let extra: Vec<_> = ids.difference(&en).collect();
                assert!(missing.is_empty(), "{name} lacks {missing:?}");
                assert!(
                    extra.is_empty(),
                    "{name} has ids en/{file} lacks: {extra:?}"
                );
            }
        }
    }

    #[test]
    fn every_message_formats_without_errors() {
        let sample: Vec<(&str, Arg)> = vec![
            ("count", Arg::Num(2.0)),
            ("number", Arg::Num(42.0)),
            ("minutes", Arg::Num(3.0)),
            ("page", Arg::Num(1.0)),
            ("pages", Arg::Num(2.0)),
            ("time", Arg::Str("12:00")),
            ("stage", Arg::Str("x")),
            ("name", Arg::Str("Ana")),
            ("channel", Arg::Str("x")),
            ("allowed", Arg::Str("x")),
            ("detail", Arg::Str("x")),
            ("max", Arg::Num(240.0)),
            ("n", Arg::Num(1.0)),
            ("status", Arg::Num(502.0)),
            ("stages", Arg::Str("x")),
            ("last", Arg::Str("y")),
            ("next", Arg::Str("z")),
            ("hour", Arg::Str("12:00")),
            ("cancelled", Arg::Num(1.0)),
            ("p50", Arg::Str("1 min")),
            ("p90", Arg::Str("2 min")),
            ("zone", Arg::Str("UTC")),
            ("reference", Arg::Str("R-1")),
            ("since", Arg::Str("12:00 UTC")),
            ("why", Arg::Str("cannot connect")),
            ("names", Arg::Str("Grill")),
            ("station", Arg::Str("Grill")),
            ("table", Arg::Str("12")),
        ];
        for locale in Locale::ALL {
            for id in message_ids(locale) {
                BUNDLES.with(|bundles| {
                    let mut bundles = bundles.borrow_mut();
                    let bundle = bundles[locale.index()].get_or_insert_with(|| bundle(locale));
                    let pattern = bundle.get_message(&id).and_then(|m| m.value());
                    let pattern = pattern.unwrap_or_else(|| panic!("{id} has no value"));
                    let mut args = FluentArgs::new();
                    for (name, value) in &sample {
                        match value {
                            Arg::Str(s) => args.set(*name, *s),
                            Arg::Num(n) => args.set(*name, *n),
                        }
                    }
                    let mut errors = Vec::new();
                    let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
                    assert!(errors.is_empty(), "{}: {id}: {errors:?}", locale.tag());
                    assert!(!text.trim().is_empty(), "{}: {id} is empty", locale.tag());
                });
            }
        }
    }

    #[test]
    fn plurals_follow_the_language() {
        let n = |l, c: u32| tr_args(l, "orders-count", &[("count", c.into())]);
        assert_eq!(n(Locale::En, 1), "1 order");
        assert_eq!(n(Locale::En, 2), "2 orders");
        assert_eq!(n(Locale::De, 1), "1 Bestellung");
        assert_eq!(n(Locale::De, 2), "2 Bestellungen");
        assert_eq!(n(Locale::Es, 1), "1 pedido");
        assert_eq!(n(Locale::Es, 2), "2 pedidos");
    }

    #[test]
    fn the_place_in_the_queue_reads_naturally_in_each_language() {
        let ahead = |l, c: u32| tr_args(l, "track-queue-ahead", &[("count", c.into())]);
        let read: Vec<[String; 3]> = Locale::ALL
            .into_iter()
            .map(|l| [ahead(l, 0), ahead(l, 1), ahead(l, 2)])
            .collect();
        assert!(read.contains(&[
            "Next in line".into(),
            "1 order ahead".into(),
            "2 orders ahead".into()
        ]));
        assert!(read.contains(&[
            "Als Nächstes an der Reihe".into(),
            "1 Bestellung vor Ihnen".into(),
            "2 Bestellungen vor Ihnen".into()
        ]));
        assert!(read.contains(&[
            "El siguiente en la cola".into(),
            "1 pedido por delante".into(),
            "2 pedidos por delante".into()
        ]));
    }

    #[test]
    fn the_browser_languages_pick_the_first_supported() {
        assert_eq!(Locale::pick(&["fr-FR", "de-AT", "en"]), Locale::De);
        assert_eq!(Locale::pick(&["es-419"]), Locale::Es);
        assert_eq!(Locale::pick(&["fr", "it"]), Locale::En);
        assert_eq!(Locale::pick::<&str>(&[]), Locale::En);
        assert_eq!(Locale::from_tag("DE_de"), Some(Locale::De));
        assert_eq!(tr(Locale::De, "no-such-id"), "no-such-id");
    }
}
