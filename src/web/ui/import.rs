//! Getting photos in: the pickers and the drop zone, and the files a run
//! left unfinished when the page closed.

use super::context::use_app;
use super::progress::{FileNames, FOLD_FROM};
use super::words::photo_count;
use crate::web::services::error::Problem;
use crate::web::services::import::{
    accept_attribute, can_keep_originals_in_folder, formats_label, from_file_list, pick_folder,
    read_drop, take_drop,
};
use crate::web::services::views::Phase;
use leptos::ev;
use leptos::prelude::*;

#[component]
pub fn Importer() -> impl IntoView {
    let (library, _) = use_app();
    let dragging = RwSignal::new(false);
    // `webkitdirectory` has no typed attribute in the view macro.
    let folder_input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = folder_input.get() {
            input.set_webkitdirectory(true);
        }
    });
    let picked = move |e: ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&e);
        let files = from_file_list(input.files());
        // Cleared so choosing the same files again still fires `change`.
        input.set_value("");
        library.add(files);
    };
    // Where the browser can keep a reference to a folder, its photos stay
    // there: the library holds no copies (the input stays for other browsers).
    let keeps_folders = can_keep_originals_in_folder();
    let choose_folder = move |e: ev::MouseEvent| {
        if !keeps_folders {
            return;
        }
        e.prevent_default();
        wasm_bindgen_futures::spawn_local(async move {
            match pick_folder().await {
                Ok(Some(folder)) => library.add_folder(folder),
                Ok(None) => {}
                Err(e) => library.report(Problem::ReadFolder(e)),
            }
        });
    };
    let dropped = move |e: ev::DragEvent| {
        e.prevent_default();
        dragging.set(false);
        if let Some(transfer) = e.data_transfer() {
            let contents = take_drop(&transfer);
            wasm_bindgen_futures::spawn_local(async move {
                library.add_picked(read_drop(contents).await)
            });
        }
    };
    view! {
        <section
            class="import"
            class:dragging=move || dragging.get()
            data-testid="drop-zone"
            aria-label="Drop photos or a folder here"
            on:dragenter=move |e: ev::DragEvent| {
                e.prevent_default();
                dragging.set(true);
            }
            on:dragover=move |e: ev::DragEvent| e.prevent_default()
            on:dragleave=move |_| dragging.set(false)
            on:drop=dropped
        >
            <p class="drop-hint">
                {format!("Drop photos or a whole folder here ({}), or", formats_label())}
            </p>
            <div class="pickers">
                <label class="button">
                    "Choose photos"
                    <input
                        type="file"
                        multiple
                        accept=accept_attribute()
                        aria-label="Choose photos"
                        on:change=picked
                    />
                </label>
                <label
                    class="button"
                    on:click=choose_folder
                    title=move || {
                        if keeps_folders {
                            "Photos stay in your folder; Facesort keeps only what it found"
                        } else {
                            "Facesort keeps a copy of each photo in this browser"
                        }
                    }
                >
                    "Choose a folder"
                    <input
                        type="file"
                        node_ref=folder_input
                        aria-label="Choose a folder"
                        on:change=picked
                    />
                </label>
            </div>
        </section>
    }
}

/// Files that a run had queued when the page closed: the browser cannot open
/// them again by itself, so the user is asked to.
#[component]
pub fn PendingNote() -> impl IntoView {
    let (library, _) = use_app();
    let pending = library.pending();
    let count = Memo::new(move |_| pending.with(Vec::len));
    // A long list (a whole folder left unsorted) is folded, as failed files are.
    let folded = move || count.get() >= FOLD_FROM;
    let text = move || {
        let n = count.get();
        let (was, them) = if n == 1 {
            ("was", "it")
        } else {
            ("were", "them")
        };
        let names = if folded() {
            String::new()
        } else {
            pending.with(|p| format!(": {}", p.join(", ")))
        };
        format!(
            "{} from your last visit {was} not sorted before the page closed{names}. Add {them} again to finish; photos already sorted are kept and are not processed twice.",
            photo_count(n),
        )
    };
    view! {
        <Show when=move || { count.get() != 0 && library.phase().get() != Phase::Sorting }>
            <div class="note pending" data-testid="pending-note" role="status">
                <p>{text}</p>
                <Show when=folded>
                    <details>
                        <summary>"Which photos"</summary>
                        <FileNames names=pending />
                    </details>
                </Show>
                <button on:click=move |_| library.forget_pending()>"Forget this list"</button>
            </div>
        </Show>
    }
}
