//! The dispatcher's settings: the staff screens' language, the kitchen's shared settings (after how many
//! minutes in one stage an order's age turns amber and then red, the
//! stations, dine-in orders on the board, auto-ready, sounds, the board's
//! ready timeout; saved by the server and sent to every staff screen), the
//! menu, the staff passphrase (set on first run from this computer; kept hashed by
//! the server), the integrations' API keys, and the demo driver's "Demo
//! orders" control.

use crate::components::api_keys_panel::ApiKeysPanel;
use crate::components::demo_control::DemoControl;
use crate::components::printers_panel::PrintersPanel;
use crate::components::webhooks_panel::WebhooksPanel;
use crate::live::locale::{locale, set_staff_setting, staff_setting, t};
use crate::live::staff_api;
use leptos::prelude::*;
use orderboard_frontend::i18n::Locale;
use orderboard_frontend::state::kitchen_form::{
    menu_text, parse_menu, parse_stations, stations_text,
};
use orderboard_frontend::state::settings::AgeThresholds;
use orderboard_model::Settings;

#[component]
pub fn SettingsPanel(on_close: Callback<()>) -> impl IntoView {
    let loaded = RwSignal::new(None::<Settings>);
    let warn = RwSignal::new(String::new());
    let late = RwSignal::new(String::new());
    let stations = RwSignal::new(String::new());
    let menu = RwSignal::new(String::new());
    let dine_in_on_board = RwSignal::new(false);
    let auto_ready = RwSignal::new(true);
    let sound_dispatcher = RwSignal::new(true);
    let sound_station = RwSignal::new(true);
    let sound_board = RwSignal::new(true);
    let board_minutes = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let language = RwSignal::new(staff_setting());
    leptos::task::spawn_local(async move {
        match staff_api::get_settings().await {
            Ok(s) => {
                warn.set((s.ageing_warn_secs / 60).max(1).to_string());
                late.set((s.ageing_late_secs / 60).max(1).to_string());
                stations.set(stations_text(&s.stations));
                dine_in_on_board.set(s.dine_in_on_board);
                auto_ready.set(s.auto_ready);
                sound_dispatcher.set(s.sounds.dispatcher);
                sound_station.set(s.sounds.station);
                sound_board.set(s.sounds.board);
                board_minutes.set(s.board_ready_minutes.to_string());
                loaded.set(Some(s));
            }
            Err(e) => error.set(Some(e.describe(locale()).1)),
        }
        if let Ok(m) = staff_api::get_menu().await {
            menu.set(menu_text(&m));
        }
    });
    let passphrase = RwSignal::new(String::new());
    let passphrase_note = RwSignal::new(None::<(bool, String)>);
    let sign_in_required = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        if let Ok(status) = staff_api::session_status().await {
            sign_in_required.set(status.sign_in_required);
        }
    });
    let set_passphrase = move |_| {
        let value = passphrase.get_untracked();
        leptos::task::spawn_local(async move {
            match staff_api::set_staff_passphrase(&value).await {
                Ok(()) => {
                    passphrase.set(String::new());
                    passphrase_note.set(Some((true, t("settings-passphrase-saved"))));
                    sign_in_required.set(true);
                }
                Err(e) => {
                    passphrase_note.set(Some((false, e.describe(crate::live::locale::locale()).1)))
                }
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(mut next) = loaded.get_untracked() else {
            return;
        };
        let mut read = || -> Result<orderboard_model::Menu, String> {
            let ages = AgeThresholds::from_minutes(
                &warn.get_untracked(),
                &late.get_untracked(),
                locale(),
            )?;
            next.ageing_warn_secs = ages.warn_after_secs;
            next.ageing_late_secs = ages.late_after_secs;
            next.stations = parse_stations(&stations.get_untracked())?;
            next.dine_in_on_board = dine_in_on_board.get_untracked();
            next.auto_ready = auto_ready.get_untracked();
            next.sounds.dispatcher = sound_dispatcher.get_untracked();
            next.sounds.station = sound_station.get_untracked();
            next.sounds.board = sound_board.get_untracked();
            next.board_ready_minutes = board_minutes
                .get_untracked()
                .trim()
                .parse()
                .map_err(|_| t("settings-board-minutes-error"))?;
            parse_menu(&menu.get_untracked(), &next)
        };
        let new_menu = match read() {
            Ok(m) => m,
            Err(e) => {
                error.set(Some(e));
                return;
            }
        };
        leptos::task::spawn_local(async move {
            let saved = match staff_api::put_settings(&next).await {
                Ok(_) => staff_api::put_menu(&new_menu).await.map(|_| ()),
                Err(e) => Err(e),
            };
            match saved {
                Ok(()) => {
                    // Every staff screen of this browser speaks the new
                    // language from its next load; this one redraws now.
                    let new_language = language.get_untracked();
                    if new_language != staff_setting() {
                        set_staff_setting(new_language);
                        if let Some(w) = web_sys::window() {
                            let _ = w.location().reload();
                        }
                    }
                    on_close.run(())
                }
                Err(e) => {
                    let (title, text) = e.describe(locale());
                    error.set(Some(format!("{title}: {text}")));
                }
            }
        });
    };
    view! {
        <div class="overlay" on:click=move |_| on_close.run(())>
            <form
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby="settings-title"
                on:click=|ev| ev.stop_propagation()
                on:submit=save
            >
                <h2 id="settings-title">{t("nav-settings")}</h2>
                <label class="field">
                    <span class="field-label">{t("settings-language")}</span>
                    <select
                        data-testid="staff-language"
                        on:change=move |ev| language.set(Locale::from_tag(&event_target_value(&ev)))
                    >
                        <option value="" selected=move || language.get().is_none()>{t("settings-language-browser")}</option>
                        {Locale::ALL
                            .into_iter()
                            .map(|l| view! {
                                <option value=l.tag() lang=l.tag() selected=move || language.get() == Some(l)>{l.native_name()}</option>
                            })
                            .collect_view()}
                    </select>
                </label>
                <p class="muted">{t("settings-shared")}</p>
                <p class="muted">{t("settings-ages")}</p>
                <div class="field-row">
                    <label class="field">
                        <span class="field-label"><span class="swatch swatch-warning"></span>{t("settings-amber")}</span>
                        <input
                            type="number"
                            min="1"
                            max="240"
                            inputmode="numeric"
                            data-testid="settings-warn"
                            disabled=move || loaded.with(Option::is_none)
                            prop:value=move || warn.get()
                            on:input=move |ev| warn.set(event_target_value(&ev))
                        />
                    </label>
                    <label class="field">
                        <span class="field-label"><span class="swatch swatch-late"></span>{t("settings-red")}</span>
                        <input
                            type="number"
                            min="1"
                            max="240"
                            inputmode="numeric"
                            disabled=move || loaded.with(Option::is_none)
                            prop:value=move || late.get()
                            on:input=move |ev| late.set(event_target_value(&ev))
                        />
                    </label>
                </div>
                <h3 class="settings-subtitle">{t("settings-stations")}</h3>
                <label class="field">
                    <span class="field-label">{t("settings-stations-help")}</span>
                    <textarea rows="4" data-testid="settings-stations" placeholder=t("settings-stations-example")
                        disabled=move || loaded.with(Option::is_none)
                            prop:value=move || stations.get()
                        on:input=move |ev| stations.set(event_target_value(&ev))></textarea>
                </label>
                <p class="muted">{t("settings-stations-screens")}</p>
                <h3 class="settings-subtitle">{t("settings-menu")}</h3>
                <label class="field">
                    <span class="field-label">{t("settings-menu-help")}</span>
                    <textarea rows="5" data-testid="settings-menu" placeholder=t("settings-menu-example")
                        disabled=move || loaded.with(Option::is_none)
                            prop:value=move || menu.get()
                        on:input=move |ev| menu.set(event_target_value(&ev))></textarea>
                </label>
                <h3 class="settings-subtitle">{t("settings-kitchen")}</h3>
                <label class="check">
                    <input type="checkbox" prop:checked=move || auto_ready.get() on:change=move |ev| auto_ready.set(event_target_checked(&ev))/>
                    {t("settings-auto-ready")}
                </label>
                <label class="check">
                    <input type="checkbox" prop:checked=move || dine_in_on_board.get() on:change=move |ev| dine_in_on_board.set(event_target_checked(&ev))/>
                    {t("settings-dine-in-board")}
                </label>
                <label class="field">
                    <span class="field-label">{t("settings-board-minutes")}</span>
                    <input type="number" min="0" max="1440" inputmode="numeric"
                        disabled=move || loaded.with(Option::is_none)
                            prop:value=move || board_minutes.get()
                        on:input=move |ev| board_minutes.set(event_target_value(&ev))/>
                </label>
                <fieldset class="field">
                    <legend class="field-label">{t("settings-sounds")}</legend>
                    <label class="check"><input type="checkbox" prop:checked=move || sound_dispatcher.get() on:change=move |ev| sound_dispatcher.set(event_target_checked(&ev))/>{t("settings-sound-dispatcher")}</label>
                    <label class="check"><input type="checkbox" prop:checked=move || sound_station.get() on:change=move |ev| sound_station.set(event_target_checked(&ev))/>{t("settings-sound-stations")}</label>
                    <label class="check"><input type="checkbox" prop:checked=move || sound_board.get() on:change=move |ev| sound_board.set(event_target_checked(&ev))/>{t("settings-sound-board")}</label>
                </fieldset>
                {move || error.get().map(|e| view! { <p class="field-error" role="alert" data-testid="settings-error">{e}</p> })}
                <div class="dialog-actions">
                    <button type="submit" class="btn btn-primary" data-testid="settings-save" disabled=move || loaded.with(Option::is_none)>{t("settings-save")}</button>
                </div>
                <h3 class="settings-subtitle">{t("settings-passphrase")}</h3>
                <p class="muted">
                    {move || t(if sign_in_required.get() {
                        "settings-passphrase-set"
                    } else {
                        "settings-passphrase-unset"
                    })}
                </p>
                <div class="field-row">
                    <label class="field">
                        <span class="field-label">{t("settings-passphrase-new")}</span>
                        <input
                            type="password"
                            autocomplete="new-password"
                            data-testid="staff-passphrase"
                            prop:value=move || passphrase.get()
                            on:input=move |ev| passphrase.set(event_target_value(&ev))
                        />
                    </label>
                    <button type="button" class="btn btn-secondary" data-testid="set-passphrase" on:click=set_passphrase>
                        {t("settings-passphrase-button")}
                    </button>
                </div>
                {move || passphrase_note.get().map(|(ok, text)| view! {
                    <p class=if ok { "field-ok" } else { "field-error" } role="status">{text}</p>
                })}
                <ApiKeysPanel/>
                <WebhooksPanel/>
                <PrintersPanel/>
                <DemoControl/>
                <p class="muted"><a href="/workshop">{t("settings-workshop-link")}</a>" "{t("settings-workshop-text")}</p>
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| on_close.run(())>{t("dialog-close")}</button>
                </div>
            </form>
        </div>
    }
}
