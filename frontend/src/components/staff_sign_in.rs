//! The staff sign-in dialog on the dispatcher's page. It shows only when the
//! server has a staff passphrase and this browser holds no live session
//! (`GET /api/session`); without a passphrase the page is as it always was.
//! Signing in sets the session cookie, and the page reloads so that its
//! stream opens with it. Inside the desktop app the window signs itself in
//! first, with a one-time ticket from the app (`live::desktop_bridge`).

use crate::live::desktop_bridge::desktop_ticket;
use crate::live::locale::t;
use crate::live::staff_api::{desktop_sign_in, session_status, sign_in};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn StaffSignIn() -> impl IntoView {
    let needed = RwSignal::new(false);
    let passphrase = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    spawn_local(async move {
        let Ok(status) = session_status().await else {
            return;
        };
        if !status.sign_in_required || status.signed_in {
            return;
        }
        if let Some(ticket) = desktop_ticket().await {
            if desktop_sign_in(&ticket).await.is_ok() {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().reload();
                }
                return;
            }
        }
        needed.set(true);
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let entered = passphrase.get_untracked();
        spawn_local(async move {
            match sign_in(&entered).await {
                Ok(()) => {
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().reload();
                    }
                }
                Err(failure) => {
                    let (title, text) = failure.describe(crate::live::locale::locale());
                    error.set(Some(format!("{title}: {text}")));
                    busy.set(false);
                }
            }
        });
    };
    move || {
        needed.get().then(|| {
            view! {
                <div class="overlay">
                    <form class="dialog" role="dialog" aria-modal="true" aria-labelledby="sign-in-title" on:submit=submit>
                        <h2 id="sign-in-title">{t("sign-in-heading")}</h2>
                        <p class="muted">{t("sign-in-text")}</p>
                        <label class="field">
                            <span class="field-label">{t("sign-in-passphrase")}</span>
                            <input
                                type="password"
                                autocomplete="current-password"
                                prop:value=move || passphrase.get()
                                on:input=move |ev| passphrase.set(event_target_value(&ev))
                            />
                        </label>
                        {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                        <div class="dialog-actions">
                            <button type="submit" class="btn btn-primary" disabled=move || busy.get()>{t("sign-in-button")}</button>
                        </div>
                    </form>
                </div>
            }
        })
    }
}
