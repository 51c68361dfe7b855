//! Every sentence the page says about edits and counts, in one place: the
//! book and the services hand over data ([`EditKind`], [`EditNote`]), and
//! this turns it into English.

use crate::people::edit::{Applied, EditKind};
use crate::web::services::export::{ExportKind, ExportState, ExportStatus};
use crate::web::services::library::EditNote;
use crate::web::services::store::bytes;
use crate::web::services::views::PackNote;

pub fn photo_count(n: usize) -> String {
    if n == 1 {
        "1 photo".into()
    } else {
        format!("{n} photos")
    }
}

pub fn file_count(n: usize) -> String {
    if n == 1 {
        "1 file".into()
    } else {
        format!("{n} files")
    }
}

pub fn face_count(n: usize) -> String {
    if n == 1 {
        "1 face".into()
    } else {
        format!("{n} faces")
    }
}

/// What Undo or Redo would do: "rename Person 3 to Ann".
pub fn edit_label(what: &EditKind) -> String {
    match what {
        EditKind::Rename { from, to } if from == to => format!("keep the name {to}"),
        EditKind::Rename { from, to } => format!("rename {from} to {to}"),
        EditKind::Merge {
            merged,
            into,
            renamed_from: Some(kept),
        } => {
            let all: Vec<&str> = std::iter::once(kept.as_str())
                .chain(merged.iter().map(String::as_str))
                .collect();
            format!("merge {} as {into}", and_list(&all))
        }
        EditKind::Merge { merged, into, .. } => {
            format!("merge {} into {into}", merged.join(", "))
        }
        EditKind::Move { faces, to } => format!("move {} to {to}", face_count(*faces)),
        EditKind::NewPerson { faces, name, .. } => {
            format!("move {} to {name}", face_count(*faces))
        }
        EditKind::Remove { faces, from } => {
            format!("remove {} from {}", face_count(*faces), from.join(", "))
        }
        EditKind::Hide { person } => format!("hide {person}"),
        EditKind::Show { person } => format!("show {person}"),
        EditKind::Cover { person } => format!("change {person}'s photo"),
        EditKind::Described(label) => label.clone(),
    }
}

/// The note after an edit: what it did, or why it was not made. `true` when
/// it was made.
pub fn edit_note(note: &EditNote) -> (bool, String) {
    match note {
        EditNote::Applied(Applied::Made { what, .. }) => (true, made(what)),
        EditNote::Applied(Applied::Undone(what)) => {
            (true, format!("Undone: {}.", edit_label(what)))
        }
        EditNote::Applied(Applied::Redone(what)) => {
            (true, format!("Redone: {}.", edit_label(what)))
        }
        EditNote::Refused(e) => (false, sentence(&e.to_string())),
        EditNote::NotSaved(e) => (
            false,
            format!("The change could not be saved, so it was not made: {e}."),
        ),
        EditNote::OtherTab => (
            false,
            "Facesort is sorting photos in another tab: make changes once it has finished.".into(),
        ),
    }
}

fn made(what: &EditKind) -> String {
    match what {
        // A numbered person given their number as a name: it stays theirs
        // when people are re-formed.
        EditKind::Rename { from, to } if from == to => {
            format!("{to} is kept as a name you gave: it stays with them as more photos are added.")
        }
        EditKind::Rename { from, to } => format!("Renamed {from} to {to}."),
        EditKind::Merge { merged, into, .. } => {
            format!("Merged {} people into {into}.", merged.len() + 1)
        }
        EditKind::Move { faces, to } => format!("Moved {} to {to}.", face_count(*faces)),
        EditKind::NewPerson {
            faces,
            name,
            taken_from,
        } => {
            let taken = taken_from
                .iter()
                .map(|t| format!("{} from {}", face_count(t.faces), t.person))
                .collect::<Vec<_>>();
            if taken.is_empty() {
                format!("Saved {} as {name}.", face_count(*faces))
            } else {
                format!(
                    "Saved {} as {name}, taking {} (Undo puts them back).",
                    face_count(*faces),
                    taken.join(" and ")
                )
            }
        }
        EditKind::Remove { faces, .. } => format!(
            "Took {} away; {} will not be given back automatically.",
            face_count(*faces),
            if *faces == 1 { "it" } else { "they" }
        ),
        EditKind::Hide { person } => format!(
            "{person} is hidden: out of the grid and downloads (show them again under Hidden people)."
        ),
        EditKind::Show { person } => format!("{person} is shown again."),
        EditKind::Cover { .. } => "The picture in the grid is changed.".into(),
        EditKind::Described(label) => sentence(label),
    }
}

/// "A, B and C".
fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// "name is taken" -> "Name is taken."
pub(super) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// How an export is going or how it ended.
pub fn export_status(s: &ExportStatus) -> String {
    let (target, count): (String, fn(usize) -> String) = match s.kind {
        ExportKind::Zip | ExportKind::Gallery => (s.target.clone(), photo_count),
        ExportKind::Crops => (s.target.clone(), face_count),
        ExportKind::Folder => (format!("the folder {}", s.target), photo_count),
    };
    let size = bytes(s.bytes as f64);
    let saved = s.done - s.left_out;
    let left_out = if s.left_out == 0 {
        String::new()
    } else {
        format!(" Left out {}: {}.", count(s.left_out), s.reasons.join("; "))
    };
    let told = match s.state {
        ExportState::Running => format!(
            "Saving {} of {} into {target} ({size} so far)…",
            s.done,
            count(s.total)
        ),
        ExportState::Done if s.kept > 0 => format!(
            "Saved {} into {target}; {} already there from an earlier export.",
            count(saved - s.kept),
            count(s.kept)
        ),
        ExportState::Done => format!("Saved {} ({size}) into {target}.", count(saved)),
        ExportState::Cancelled if s.kind == ExportKind::Folder => format!(
            "Cancelled after {} of {}: saving into the same folder again finishes the rest.",
            s.done,
            count(s.total)
        ),
        ExportState::Cancelled => format!("Cancelled: {target} was not saved."),
        ExportState::Failed => format!(
            "Saving into {target} stopped after {} of {}.",
            s.done,
            count(s.total)
        ),
    };
    told + &left_out
}

/// "Ann, Bo and Cy".
fn names(list: &[String]) -> String {
    match list {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What importing or saving people files did, in sentences.
pub fn pack_note(note: &PackNote) -> String {
    match note {
        PackNote::Imported {
            file,
            recognition: r,
        } => {
            let mut said = vec![format!("From {file}:")];
            if !r.named.is_empty() {
                said.push(format!("named {}.", names(&r.named)));
            }
            if !r.waiting.is_empty() {
                let verb = if r.waiting.len() == 1 { "is" } else { "are" };
                said.push(format!(
                    "{} {verb} named as soon as photos of them are added.",
                    names(&r.waiting)
                ));
            }
            for d in &r.differ {
                said.push(format!(
                    "{} looks like {} in the file: rename them if it is the same person.",
                    d.here, d.in_file
                ));
            }
            for t in &r.taken {
                let name = &t.name;
                said.push(format!(
                    "{name} matches someone here, but another person here is already called {name}: merge or rename them if they are the same."
                ));
            }
            if said.len() == 1 {
                said.push("everyone in it is already named here.".into());
            }
            said.join(" ")
        }
        PackNote::Recognised(named) => {
            format!("Recognised from your people files: {}.", names(named))
        }
        PackNote::Refused { file, error } => format!("{file}: {}", sentence(&error.to_string())),
        PackNote::Unread { file, detail } => {
            format!("{file} could not be read ({detail}): choose it again.")
        }
        PackNote::NotSaved(e) => {
            format!("The people file could not be kept in this browser: {e}.")
        }
        PackNote::OtherTab => {
            "Facesort is sorting in another tab: import the people file when it has finished."
                .into()
        }
        PackNote::NobodyNamed => "Nobody is named yet: name people first, then save them.".into(),
        PackNote::Saved { file, people } => {
            let who = match people {
                1 => "1 named person".to_string(),
                n => format!("{n} named people"),
            };
            format!(
                "Saved {who} into {file} (names and face descriptors, no photos). Import it in another browser to name them there."
            )
        }
    }
}
