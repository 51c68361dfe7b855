//! How a run is going: done of total, photos per second, time left, and
//! which files were skipped or failed, and why.

use super::context::use_app;
use super::words::{file_count, photo_count};
use crate::web::services::views::{failed_by_reason, FailedGroup, Opening, Phase, Progress};
use leptos::prelude::*;

/// From this many files failing for one reason, they are said once, with
/// their names folded away: a thousand HEIC photos make one line, not a
/// thousand repeating the same advice.
pub(super) const FOLD_FROM: usize = 5;

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
            let rate = p.run_rate(now);
            // Files only skipped or unreadable, on a page that has sorted
            // nothing yet, make no run: nothing is under way.
            let over = phase == Phase::Done || phase == Phase::Idle && done == total;
            if over {
                // Duplicates and unreadable files were handled, not sorted.
                let sorted = p.run_sorted();
                if p.cancelled != 0 {
                    return format!(
                        "Cancelled: {} sorted, {} not. Add the rest again to sort them.",
                        photo_count(sorted),
                        p.cancelled
                    );
                }
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
                file_count(n),
                if n == 1 { "is" } else { "are" },
                p.skipped.join(", ")
            )
        })
    };
    // Files only ever join the list, so its length says when to regroup
    // (not every tick of the progress bar); rows are keyed by reason, so an
    // opened group stays open as the run goes on.
    let failed_len = Memo::new(move |_| p.with(|p| p.failed.len()));
    let groups = Memo::new(move |_| {
        failed_len.track();
        p.with_untracked(|p| failed_by_reason(&p.failed))
    });
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
                        disabled=move || p.with(Progress::stopping)
                    >
                        "Cancel"
                    </button>
                </Show>
                <Show when=move || p.with(|p| !p.skipped.is_empty())>
                    <p data-testid="skipped-note" class="note">
                        {skipped}
                    </p>
                </Show>
                <Show when=move || p.with(|p| p.run_duplicates() != 0)>
                    <p class="note" data-testid="duplicates-note">
                        {move || {
                            p.with(|p| {
                                format!(
                                    "{} already in your library (same content): not added again.",
                                    photo_count(p.run_duplicates()),
                                )
                            })
                        }}
                    </p>
                </Show>
                <Show when=move || failed_len.get() != 0>
                    <h2 class="failed-heading">
                        {move || format!("Files that could not be read ({})", failed_len.get())}
                    </h2>
                    <ul role="list" aria-label="Files that failed" class="failed">
                        <For
                            each=move || {
                                groups
                                    .with(|gs| {
                                        gs.iter().map(|g| g.reason.clone()).collect::<Vec<_>>()
                                    })
                            }
                            key=|reason| reason.clone()
                            children=move |reason| view! { <FailedReason reason groups /> }
                        />
                    </ul>
                </Show>
            </section>
        </Show>
    }
}

/// The files that failed for one reason: each on its own line, "name:
/// reason", or from [`FOLD_FROM`] on, the reason once with the names folded
/// under it.
#[component]
fn FailedReason(reason: String, groups: Memo<Vec<FailedGroup>>) -> impl IntoView {
    let paths = Memo::new({
        let reason = reason.clone();
        move |_| {
            groups.with(|groups| {
                groups
                    .iter()
                    .find(|g| g.reason == reason)
                    .map(|g| g.paths.clone())
                    .unwrap_or_default()
            })
        }
    });
    let folded = Memo::new(move |_| paths.with(|p| p.len() >= FOLD_FROM));
    move || {
        let reason = reason.clone();
        if folded.get() {
            view! {
                <li role="listitem" class="failed-group">
                    <details>
                        <summary>
                            {move || format!("{}: {reason}", file_count(paths.with(Vec::len)))}
                        </summary>
                        <FileNames names=paths />
                    </details>
                </li>
            }
            .into_any()
        } else {
            let lines = move || {
                paths
                    .get()
                    .into_iter()
                    .map(|path| view! { <li role="listitem">{format!("{path}: {reason}")}</li> })
                    .collect_view()
            };
            lines.into_any()
        }
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

/// Files' names in columns, folded under a sentence that said why.
#[component]
pub(super) fn FileNames(#[prop(into)] names: Signal<Vec<String>>) -> impl IntoView {
    view! {
        <ul role="list" class="failed-names">
            {move || {
                names
                    .get()
                    .into_iter()
                    .map(|path| view! { <li role="listitem">{path}</li> })
                    .collect_view()
            }}
        </ul>
    }
}
