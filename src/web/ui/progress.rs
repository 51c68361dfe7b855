//! How a run is going: done of total, photos per second, time left, and
//! which files were skipped or failed, and why.

use super::context::use_app;
use super::words::photo_count;
use crate::web::services::views::{Opening, Phase};
use leptos::prelude::*;

#[component]
pub fn ProgressPanel() -> impl IntoView {
    let (library, _) = use_app();
    let p = library.progress();
    let phase = library.phase();
    let visible = move || {
        p.with(|p| p.total > 0 || !p.skipped.is_empty()) || phase.get() == Phase::LoadingModels
    };
    let text = move || {
        let phase = phase.get();
        p.with(|p| {
            if phase == Phase::LoadingModels {
                return "Loading the face models…".to_string();
            }
            if p.waiting {
                return format!(
                    "{} waiting: Facesort is sorting in another tab, and these start when it has finished…",
                    photo_count(p.total - p.done)
                );
            }
            let now = p.finished_ms.unwrap_or_else(crate::web::js::now_ms);
            let secs = ((now - p.started_ms) / 1000.0).max(0.001);
            let (done, total) = (p.run_done(), p.run_total());
            let rate = done as f64 / secs;
            // Files only skipped or unreadable, on a page that has sorted
            // nothing yet, make no run: nothing is under way.
            let over = phase == Phase::Done || phase == Phase::Idle && done == total;
            if over {
                // Duplicates and unreadable files were handled, not sorted.
                let sorted = p.run_sorted();
                if sorted == 0 {
                    return "No new photo was sorted.".to_string();
                }
                format!(
                    "{} sorted in {:.0} s ({:.1} photos/s)",
                    photo_count(sorted),
                    secs,
                    sorted as f64 / secs
                )
            } else {
                let left = if rate > 0.0 {
                    format!(" · about {:.0} s left", (total - done) as f64 / rate)
                } else {
                    String::new()
                };
                format!("{done} of {total} photos · {rate:.1} photos/s{left}")
            }
        })
    };
    // A finished run shows a full bar, whatever was skipped or failed.
    let finished = move || phase.get() == Phase::Done && p.with(|p| p.finished_ms.is_some());
    // A scale, not a width: the browser animates it off the main thread. An
    // animated width laid out and painted the page at every frame of a run,
    // which took most of the page's time once the grid was large.
    let fill = move || {
        p.with(|p| {
            let share = if finished() {
                1.0
            } else if p.run_total() == 0 {
                0.0
            } else {
                p.run_done() as f64 / p.run_total() as f64
            };
            format!("scaleX({share:.3})")
        })
    };
    let skipped = move || {
        p.with(|p| {
            let n = p.skipped.len();
            format!(
                "Skipped {} that {} not a photo: {}",
                if n == 1 {
                    "1 file".to_string()
                } else {
                    format!("{n} files")
                },
                if n == 1 { "is" } else { "are" },
                p.skipped.join(", ")
            )
        })
    };
    view! {
        <Show when=visible>
            <section class="progress" aria-label="Progress">
                <div
                    role="progressbar"
                    aria-label="Sorting progress"
                    aria-valuemin="0"
                    aria-valuemax=move || p.with(|p| p.run_total().to_string())
                    aria-valuenow=move || {
                        p.with(|p| {
                            if finished() { p.run_total() } else { p.run_done() }.to_string()
                        })
                    }
                    class="bar"
                >
                    <div class="fill" style:transform=fill></div>
                </div>
                <p data-testid="progress-text" aria-live="polite">
                    {text}
                </p>
                <Show when=move || phase.get() == Phase::Sorting>
                    <button
                        on:click=move |_| library.cancel()
                        disabled=move || p.with(|p| p.cancelled)
                    >
                        "Cancel"
                    </button>
                </Show>
                <Show when=move || p.with(|p| !p.skipped.is_empty())>
                    <p data-testid="skipped-note" class="note">
                        {skipped}
                    </p>
                </Show>
                <Show when=move || p.with(|p| p.duplicates > 0)>
                    <p class="note" data-testid="duplicates-note">
                        {move || {
                            p.with(|p| {
                                format!(
                                    "{} already added (same content), processed once.",
                                    photo_count(p.duplicates),
                                )
                            })
                        }}
                    </p>
                </Show>
                <Show when=move || p.with(|p| !p.failed.is_empty())>
                    <h2 class="failed-heading">"Files that could not be read"</h2>
                    <ul role="list" aria-label="Files that failed" class="failed">
                        {move || {
                            p.with(|p| {
                                p.failed
                                    .iter()
                                    .map(|f| {
                                        view! {
                                            <li role="listitem">
                                                {format!("{}: {}", f.path, f.error)}
                                            </li>
                                        }
                                    })
                                    .collect_view()
                            })
                        }}
                    </ul>
                </Show>
            </section>
        </Show>
    }
}

/// Says that the saved library is being read, or upgraded for this version
/// (once, about a second per thousand photos), until it is shown.
#[component]
pub fn OpeningNote() -> impl IntoView {
    let (library, _) = use_app();
    let text = move || {
        library.opening().get().map(|opening| match opening {
            Opening::Reading => "Opening your library…".to_string(),
            Opening::Upgrading(u) => format!(
                "Updating your library for this version of Facesort: {} of {} done…",
                u.done,
                photo_count(u.of)
            ),
        })
    };
    // Always on the page, empty when there is nothing to say: screen readers
    // announce changes to a live region, not one that arrives already filled.
    view! {
        <p class="note opening" role="status" data-testid="opening-note">
            {text}
        </p>
    }
}
