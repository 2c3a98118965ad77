//! The dispatcher's "Kitchen printers" section (a [`ListPanel`]: add,
//! list with state and queue, remove; plus a test print per printer), the
//! top bar's notice of printers that are offline, and what a Reprint
//! press says.

use super::list_panel::{Form, ListEvent, ListPanel, Listed, Made};
use crate::i18n::{tr, tr_args, Locale};
use orderboard_model::{NewPrinter, PrinterInfo, PrinterState};
use time::OffsetDateTime;

/// How often the dispatcher rereads the printers' states.
pub const REFRESH_SECS: u32 = 5;

impl Listed for PrinterInfo {
    fn id(&self) -> &str {
        &self.id
    }
}

/// A printer has nothing secret: nothing is shown once.
impl Made for PrinterInfo {
    type Entry = PrinterInfo;
    fn entry(&self) -> PrinterInfo {
        self.clone()
    }
    fn shown_once(&self) -> bool {
        false
    }
}

/// The form: a name, an address, and the stations (comma-separated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrinterForm {
    pub name: String,
    pub address: String,
    pub stations: String,
}

impl Form for PrinterForm {
    type Request = NewPrinter;

    fn request(&self, locale: Locale) -> Result<NewPrinter, String> {
        NewPrinter {
            name: self.name.clone(),
            address: self.address.clone(),
            stations: self
                .stations
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        }
        .normalized()
        .map_err(|e| match e.field.as_str() {
            "name" => tr(locale, "printers-error-name"),
            "address" => tr(locale, "printers-error-address"),
            _ => tr(locale, "printers-error-stations"),
        })
    }
}

/// What the section shows.
pub type PrintersPanel = ListPanel<PrinterInfo, PrinterForm, PrinterInfo>;
/// What happened to the section.
pub type PrintersEvent = ListEvent<PrinterInfo, PrinterInfo>;

/// A printer's state in words, and whether it needs attention.
pub fn state_label(locale: Locale, p: &PrinterInfo) -> (String, bool) {
    let state = match p.state {
        PrinterState::Online => tr(locale, "printers-online"),
        PrinterState::Unknown => tr(locale, "printers-unknown"),
        PrinterState::Offline => {
            let since = p.since.map(minute).unwrap_or_default();
            let why = p.last_error.as_deref().unwrap_or_default();
            tr_args(
                locale,
                "printers-offline",
                &[("since", (&since).into()), ("why", why.into())],
            )
        }
    };
    let text = match p.queued {
        0 => state,
        n => format!(
            "{state} · {}",
            tr_args(locale, "printers-waiting", &[("count", n.into())])
        ),
    };
    (text, p.state == PrinterState::Offline)
}

/// The top bar's notice: which printers are offline, if any.
pub fn offline_notice(locale: Locale, printers: &[PrinterInfo]) -> Option<String> {
    let off: Vec<&str> = printers
        .iter()
        .filter(|p| p.state == PrinterState::Offline)
        .map(|p| p.name.as_str())
        .collect();
    (!off.is_empty()).then(|| {
        tr_args(
            locale,
            "printers-offline-notice",
            &[
                ("count", off.len().into()),
                ("names", (&off.join(", ")).into()),
            ],
        )
    })
}

/// What a Reprint press says, from the printers it was queued for.
pub fn reprint_label(locale: Locale, printers: usize) -> String {
    tr_args(
        locale,
        "printers-reprint-queued",
        &[("count", printers.into())],
    )
}

fn minute(t: OffsetDateTime) -> String {
    format!("{:02}:{:02} UTC", t.hour(), t.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::list_panel::ListEffect;

    fn printer(id: &str, state: PrinterState) -> PrinterInfo {
        PrinterInfo {
            id: id.into(),
            name: format!("P{id}"),
            address: "10.0.0.5:9100".into(),
            stations: vec![],
            state,
            queued: 0,
            last_error: None,
            since: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_form_asks_for_a_name_and_an_address_and_splits_stations() {
        let mut form = PrinterForm::default();
        assert!(form.request(Locale::En).unwrap_err().contains("name"));
        form.name = "Grill".into();
        form.address = "http://x".into();
        assert!(form.request(Locale::En).unwrap_err().contains("address"));
        form.address = "192.168.1.50".into();
        form.stations = "grill, bar,,".into();
        let r = form.request(Locale::En).unwrap();
        assert_eq!(r.address, "192.168.1.50:9100");
        assert_eq!(r.stations, ["bar", "grill"]);
    }

    #[test]
    fn adding_a_printer_lists_it_and_shows_nothing_once() {
        let mut panel = PrintersPanel::default();
        panel.form.name = "Grill".into();
        panel.form.address = "10.0.0.5".into();
        let Some(ListEffect::Create(request)) = panel.apply(PrintersEvent::Submit(Locale::En))
        else {
            panic!("a valid form asks for the call");
        };
        assert_eq!(request.name, "Grill");
        panel.apply(PrintersEvent::Created(printer("a", PrinterState::Unknown)));
        assert_eq!(panel.items.len(), 1);
        assert_eq!(panel.shown_once, None);
        assert_eq!(panel.form, PrinterForm::default());
        assert_eq!(
            panel.apply(PrintersEvent::Remove("a".into())),
            Some(ListEffect::Remove("a".into()))
        );
        panel.apply(PrintersEvent::Removed("a".into()));
        assert!(panel.items.is_empty());
    }

    #[test]
    fn states_and_the_offline_notice() {
        let mut off = printer("a", PrinterState::Offline);
        off.last_error = Some("cannot connect".into());
        off.since = Some(OffsetDateTime::UNIX_EPOCH);
        off.queued = 3;
        let en = Locale::En;
        let (text, attention) = state_label(en, &off);
        assert!(attention);
        assert_eq!(
            text,
            "offline since 00:00 UTC: cannot connect · 3 tickets waiting"
        );
        assert_eq!(
            state_label(en, &printer("b", PrinterState::Online)),
            ("online".to_string(), false)
        );
        assert_eq!(
            offline_notice(en, &[printer("b", PrinterState::Online)]),
            None
        );
        assert_eq!(
            offline_notice(en, &[off.clone(), printer("b", PrinterState::Online)]).unwrap(),
            "Printer Pa is offline: its tickets wait"
        );
        let mut off2 = off.clone();
        off2.name = "Bar".into();
        assert_eq!(
            offline_notice(en, &[off.clone(), off2]).unwrap(),
            "Printers Pa, Bar are offline: their tickets wait"
        );
        assert_eq!(reprint_label(en, 2), "Reprint queued on 2 printers");
        assert_eq!(reprint_label(en, 0), "No printer prints this order");
        assert!(state_label(Locale::De, &off)
            .0
            .starts_with("offline seit 00:00 UTC"));
    }
}
