//! The settings sections that list things staff made (API keys, webhook
//! endpoints, kitchen printers): a list, a form that makes one, what was
//! just made shown once (a key, a signing secret) until dismissed, and a
//! remove button per entry.
//!
//! [`ListPanel::apply`] takes what happened and gives the new state, and
//! the call to make, if any, as data ([`ListEffect`]); the component makes
//! the calls and feeds their answers back.

use crate::i18n::Locale;

/// An entry of the list.
pub trait Listed: Clone {
    fn id(&self) -> &str;
}

/// What the server answers when an entry is made: the entry, and whether
/// the answer holds something shown only this once.
pub trait Made: Clone {
    type Entry: Listed;
    fn entry(&self) -> Self::Entry;
    fn shown_once(&self) -> bool;
}

/// A section's form.
pub trait Form: Default {
    type Request;
    /// The request, or what to fix first, in `locale`.
    fn request(&self, locale: Locale) -> Result<Self::Request, String>;
}

/// What a section shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPanel<E, F, M> {
    pub items: Vec<E>,
    pub form: F,
    /// An entry just made, with its secret: shown this once, until dismissed.
    pub shown_once: Option<M>,
    pub error: Option<String>,
}

impl<E, F: Default, M> Default for ListPanel<E, F, M> {
    fn default() -> Self {
        ListPanel {
            items: Vec::new(),
            form: F::default(),
            shown_once: None,
            error: None,
        }
    }
}

/// What happened to a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListEvent<E, M> {
    Loaded(Vec<E>),
    /// The form was sent, from a page in this language.
    Submit(Locale),
    Created(M),
    /// Staff asked to remove this entry.
    Remove(String),
    Removed(String),
    Failed(String),
    /// Staff have copied what was shown once: it is not shown again.
    Dismissed,
}

/// The call a section asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListEffect<R> {
    Create(R),
    Remove(String),
}

impl<E, F, M> ListPanel<E, F, M>
where
    E: Listed,
    F: Form,
    M: Made<Entry = E>,
{
    pub fn apply(&mut self, event: ListEvent<E, M>) -> Option<ListEffect<F::Request>> {
        match event {
            ListEvent::Loaded(items) => {
                self.items = items;
                self.error = None;
            }
            ListEvent::Submit(locale) => match self.form.request(locale) {
                Ok(request) => return Some(ListEffect::Create(request)),
                Err(e) => self.error = Some(e),
            },
            ListEvent::Created(made) => {
                let entry = made.entry();
                self.items.retain(|e| e.id() != entry.id());
                self.items.push(entry);
                self.shown_once = made.shown_once().then_some(made);
                self.form = F::default();
                self.error = None;
            }
            ListEvent::Remove(id) => return Some(ListEffect::Remove(id)),
            ListEvent::Removed(id) => {
                self.items.retain(|e| e.id() != id);
                if self
                    .shown_once
                    .as_ref()
                    .is_some_and(|m| m.entry().id() == id)
                {
                    self.shown_once = None;
                }
                self.error = None;
            }
            ListEvent::Failed(text) => self.error = Some(text),
            ListEvent::Dismissed => self.shown_once = None,
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Entry(String);
    impl Listed for Entry {
        fn id(&self) -> &str {
            &self.0
        }
    }
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct WithSecret(Entry, String);
    impl Made for WithSecret {
        type Entry = Entry;
        fn entry(&self) -> Entry {
            self.0.clone()
        }
        fn shown_once(&self) -> bool {
            !self.1.is_empty()
        }
    }
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    struct NameForm(String);
    impl Form for NameForm {
        type Request = String;
        fn request(&self, _: Locale) -> Result<String, String> {
            if self.0.trim().is_empty() {
                Err("Give it a name".into())
            } else {
                Ok(self.0.trim().into())
            }
        }
    }
    type Panel = ListPanel<Entry, NameForm, WithSecret>;

    #[test]
    fn submit_asks_for_the_call_or_says_what_to_fix() {
        let mut p = Panel::default();
        assert_eq!(p.apply(ListEvent::Submit(Locale::En)), None);
        assert_eq!(p.error.as_deref(), Some("Give it a name"));
        p.form.0 = " a ".into();
        assert_eq!(
            p.apply(ListEvent::Submit(Locale::En)),
            Some(ListEffect::Create("a".into()))
        );
        assert_eq!(
            p.apply(ListEvent::Remove("x".into())),
            Some(ListEffect::Remove("x".into()))
        );
    }

    #[test]
    fn made_is_listed_shown_once_if_secret_and_removed() {
        let mut p = Panel::default();
        p.apply(ListEvent::Loaded(vec![Entry("a".into())]));
        p.form.0 = "b".into();
        p.apply(ListEvent::Created(WithSecret(
            Entry("b".into()),
            "s".into(),
        )));
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.form, NameForm::default());
        assert!(p.shown_once.is_some());
        p.apply(ListEvent::Dismissed);
        assert!(p.shown_once.is_none());
        p.apply(ListEvent::Created(WithSecret(
            Entry("c".into()),
            String::new(),
        )));
        assert!(p.shown_once.is_none(), "nothing secret: nothing shown");
        p.apply(ListEvent::Failed("no".into()));
        assert_eq!(p.error.as_deref(), Some("no"));
        p.apply(ListEvent::Removed("a".into()));
        assert_eq!(p.error, None);
        assert_eq!(
            p.items.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
            ["b", "c"]
        );
    }
}
