//! How an export is going, with Cancel; and the buttons that start the
//! library-wide ones.

use super::context::use_app;
use super::words::export_status;
use crate::web::services::export::{self, ExportState, Exports};
use crate::web::services::views::Phase;
use leptos::prelude::*;

#[component]
pub fn ExportBar() -> impl IntoView {
    let exports = expect_context::<Exports>();
    let status = exports.status();
    let running =
        move || status.with(|s| s.as_ref().is_some_and(|s| s.state == ExportState::Running));
    view! {
        <Show when=move || status.with(Option::is_some)>
            <div
                class="export"
                data-testid="export"
                data-export=move || status.with(|s| s.as_ref().map(|s| s.number))
                data-state=move || status.with(|s| s.as_ref().map(|s| s.state.as_str()))
            >
                <p role="status" aria-live="polite">
                    {move || status.get().map(|s| export_status(&s))}
                </p>
                <Show when=running>
                    <button on:click=move |_| exports.cancel()>"Cancel export"</button>
                </Show>
            </div>
        </Show>
    }
}

/// "Download everything (zip)" and, where the browser can write into a
/// folder the user picks, "Save into a folder…".
#[component]
pub fn ExportButtons() -> impl IntoView {
    let (library, _) = use_app();
    let exports = expect_context::<Exports>();
    let into_folder = export::can_save_into_folder();
    view! {
        <Show when=move || library.phase().get() == Phase::Done>
            <button on:click=move |_| wasm_bindgen_futures::spawn_local(
                export::everything_zip(library, exports),
            )>"Download everything (zip)"</button>
            <Show when=move || into_folder>
                <button
                    title="One folder per person, written into a folder you pick"
                    on:click=move |_| wasm_bindgen_futures::spawn_local(
                        export::save_into_folder(library, exports),
                    )
                >
                    "Save into a folder…"
                </button>
            </Show>
        </Show>
    }
}
