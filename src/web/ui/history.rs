//! When: a person's timeline (first and last seen, photos per month) and the
//! library's history (when photos were added, and who was in them).

use super::context::use_app;
use super::words::photo_count;
use crate::people::book::FaceKey;
use crate::people::cluster::PersonId;
use crate::people::timeline::{day_label, most_seen, Timeline};
use leptos::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// On a person's page: when they were seen.
#[component]
pub fn PersonTimeline(id: PersonId) -> impl IntoView {
    let (library, _) = use_app();
    let person = move || {
        library
            .people()
            .with(|ps| ps.iter().find(|p| p.id == id).cloned())
    };
    let timeline = move || {
        let ids: std::collections::BTreeSet<_> = person()
            .map(|p| p.photos)
            .unwrap_or_default()
            .into_iter()
            .collect();
        library.photos().with(|all| {
            let seen: Vec<_> = all
                .iter()
                .filter(|p| ids.contains(&p.view.id))
                .map(|p| p.view.seen)
                .collect();
            Timeline::of(&seen)
        })
    };
    move || {
        let name = person().map(|p| p.name).unwrap_or_default();
        timeline().map(|t| {
            let busiest = t.per_month.iter().map(|(_, n)| *n).max().unwrap_or(1);
            let source = match (t.from_camera, t.total) {
                (c, n) if c == n => "dates from the camera".to_string(),
                (0, _) => "dates from the files' times (no camera dates)".to_string(),
                (c, n) => {
                    format!("{c} of {n} dates from the camera, the rest from the files' times")
                }
            };
            let span = if day_label(t.first.ms) == day_label(t.last.ms) {
                format!("Seen on {}", day_label(t.first.ms))
            } else {
                format!(
                    "First seen {}, last seen {}",
                    day_label(t.first.ms),
                    day_label(t.last.ms)
                )
            };
            view! {
                <section class="timeline" aria-label=format!("When {name} was seen")>
                    <p data-testid="seen-span">{span}" · "{source}</p>
                    <table aria-label="Photos per month">
                        <thead>
                            <tr>
                                <th scope="col">"Month"</th>
                                <th scope="col">"Photos"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {t
                                .per_month
                                .iter()
                                .map(|(m, n)| {
                                    view! {
                                        <tr>
                                            <th scope="row">{m.label()}</th>
                                            <td>
                                                <span
                                                    class="month-bar"
                                                    style:width=format!(
                                                        "{:.0}%",
                                                        100.0 * *n as f64 / busiest as f64,
                                                    )
                                                ></span>
                                                {n.to_string()}
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </section>
            }
        })
    }
}

/// How many people a day of the history names; a day of a wedding may have
/// a hundred.
const NAMES_PER_DAY: usize = 8;

/// The library's history: each day photos were added, how many, and who was in them.
/// Worked out only while it is open: it reads every photo and face, and the
/// library changes with every photo of a run.
#[component]
pub fn LibraryHistory() -> impl IntoView {
    let (library, _) = use_app();
    let open = RwSignal::new(false);
    let node = NodeRef::<leptos::html::Details>::new();
    let days = move || {
        let names: BTreeMap<PersonId, String> = library.people().with(|ps| {
            ps.iter()
                .filter(|p| !p.hidden)
                .map(|p| (p.id, p.name.clone()))
                .collect()
        });
        // A day, its photos, and how many of them each named person is in.
        let mut by_day: Vec<(String, usize, BTreeMap<PersonId, usize>)> = Vec::new();
        library.photos().with(|all| {
            let mut photos: Vec<_> = all.iter().map(|p| &p.view).collect();
            photos.sort_by(|a, b| b.added_ms.total_cmp(&a.added_ms));
            library.book().with(|book| {
                for p in photos {
                    let day = day_label(p.added_ms);
                    if by_day.last().is_none_or(|(d, _, _)| *d != day) {
                        by_day.push((day, 0, BTreeMap::new()));
                    }
                    let entry = by_day.last_mut().expect("pushed above");
                    entry.1 += 1;
                    let people: BTreeSet<PersonId> = (0..p.faces.len())
                        .filter_map(|i| {
                            book.person_of(FaceKey {
                                photo: p.id,
                                index: i as u32,
                            })
                        })
                        .filter(|id| names.contains_key(id))
                        .collect();
                    for id in people {
                        *entry.2.entry(id).or_default() += 1;
                    }
                }
            });
        });
        by_day
            .into_iter()
            .map(|(day, n, people)| {
                let in_photos = people
                    .into_iter()
                    .filter_map(|(id, k)| Some((names.get(&id)?.clone(), k)))
                    .collect();
                (day, n, most_seen(in_photos, NAMES_PER_DAY))
            })
            .collect::<Vec<_>>()
    };
    view! {
        <details
            class="history"
            node_ref=node
            on:toggle=move |_| open.set(node.get().is_some_and(|d| d.open()))
        >
            <summary>"Library history"</summary>
            <ol aria-label="Library history">
                {move || {
                    if !open.get() {
                        return Vec::new();
                    }
                    days()
                        .into_iter()
                        .map(|(day, n, (people, more))| {
                            let who = match (people.is_empty(), more) {
                                (true, _) => String::new(),
                                (false, 0) => format!(", with {}", people.join(", ")),
                                (false, more) => {
                                    format!(", with {} and {more} more", people.join(", "))
                                }
                            };
                            view! { <li>{format!("{day}: {} added{who}", photo_count(n))}</li> }
                        })
                        .collect::<Vec<_>>()
                }}
            </ol>
        </details>
    }
}
