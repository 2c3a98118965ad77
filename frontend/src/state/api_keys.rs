//! The dispatcher's "API keys" section: the keys staff have made for
//! integrations, the form that makes one, and the new key shown once
//! (a [`ListPanel`]).

use super::list_panel::{Form, ListEvent, ListPanel, Listed, Made};
use crate::i18n::Locale;
use orderboard_model::{ApiKeyInfo, CreatedApiKey, NewApiKey, Scope};
use time::OffsetDateTime;

impl Listed for ApiKeyInfo {
    fn id(&self) -> &str {
        &self.id
    }
}

impl Made for CreatedApiKey {
    type Entry = ApiKeyInfo;
    fn entry(&self) -> ApiKeyInfo {
        self.info.clone()
    }
    fn shown_once(&self) -> bool {
        true
    }
}

/// The form: a name, and which scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyForm {
    pub name: String,
    pub read: bool,
    pub write: bool,
}

impl Default for KeyForm {
    fn default() -> Self {
        KeyForm {
            name: String::new(),
            read: true,
            write: true,
        }
    }
}

impl Form for KeyForm {
    type Request = NewApiKey;

    fn request(&self, _: Locale) -> Result<NewApiKey, String> {
        let scopes: Vec<Scope> = [
            (self.read, Scope::OrdersRead),
            (self.write, Scope::OrdersWrite),
        ]
        .into_iter()
        .filter_map(|(on, scope)| on.then_some(scope))
        .collect();
        let request = NewApiKey {
            name: self.name.clone(),
            scopes,
        };
        request.normalized().map_err(|e| match e.field.as_str() {
            "name" => "Give the key a name (what it is for, such as \"Till 1\")".to_string(),
            "scopes" => "Choose at least one: read orders, or create and move them".to_string(),
            _ => e.to_string(),
        })
    }
}

/// What the section shows.
pub type KeysPanel = ListPanel<ApiKeyInfo, KeyForm, CreatedApiKey>;
/// What happened to the section.
pub type KeysEvent = ListEvent<ApiKeyInfo, CreatedApiKey>;

/// `read, write` for a key's scopes.
pub fn scopes_label(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| match s {
            Scope::OrdersRead => "read orders",
            Scope::OrdersWrite => "create and move orders",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `last used 2026-12-03 14:05 UTC`, or `never used`.
pub fn last_used_label(at: Option<OffsetDateTime>) -> String {
    match at {
        None => "never used".into(),
        Some(t) => format!(
            "last used {:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str) -> ApiKeyInfo {
        ApiKeyInfo {
            id: id.into(),
            name: format!("Till {id}"),
            scopes: vec![Scope::OrdersWrite],
            hint: "obk_abcdef…".into(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            last_used_at: None,
        }
    }

    #[test]
    fn the_form_asks_for_a_name_and_a_scope() {
        let mut form = KeyForm::default();
        assert!(form.request(Locale::En).unwrap_err().contains("name"));
        form.name = " Till 1 ".into();
        let request = form.request(Locale::En).unwrap();
        assert_eq!(request.name, "Till 1");
        assert_eq!(request.scopes, vec![Scope::OrdersRead, Scope::OrdersWrite]);
        form.read = false;
        form.write = false;
        assert!(form
            .request(Locale::En)
            .unwrap_err()
            .contains("at least one"));
    }

    #[test]
    fn a_new_key_is_shown_once_and_revoking_removes_it() {
        let mut panel = KeysPanel::default();
        panel.apply(KeysEvent::Loaded(vec![info("a")]));
        panel.form.name = "Till b".into();
        panel.apply(KeysEvent::Created(CreatedApiKey {
            key: "obk_secret".into(),
            info: info("b"),
        }));
        assert_eq!(panel.items.len(), 2);
        assert_eq!(
            panel.shown_once.as_ref().map(|m| m.key.as_str()),
            Some("obk_secret")
        );
        assert_eq!(panel.form, KeyForm::default());
        panel.apply(KeysEvent::Dismissed);
        assert_eq!(panel.shown_once, None);
        panel.apply(KeysEvent::Failed("no".into()));
        assert_eq!(panel.error.as_deref(), Some("no"));
        panel.apply(KeysEvent::Removed("a".into()));
        assert_eq!(
            panel
                .items
                .iter()
                .map(|k| k.id.as_str())
                .collect::<Vec<_>>(),
            vec!["b"]
        );
        assert_eq!(panel.error, None);
    }

    #[test]
    fn labels() {
        assert_eq!(scopes_label(&[Scope::OrdersRead]), "read orders");
        assert_eq!(last_used_label(None), "never used");
        assert_eq!(
            last_used_label(Some(OffsetDateTime::UNIX_EPOCH)),
            "last used 1970-01-01 00:00 UTC"
        );
    }
}
