//! Corrections as data: what the user asks ([`Correction`]), what an edit
//! did ([`EditKind`], worded by the page), and the records it changed
//! ([`Edit`], kept for undo). The [`super::book::Book`] applies them.

use super::book::{FaceKey, FaceState, Person};
use super::cluster::PersonId;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// One record's value before and after an edit (`None`: absent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Change {
    Person {
        id: PersonId,
        before: Option<Person>,
        after: Option<Person>,
    },
    Face {
        key: FaceKey,
        before: Option<FaceState>,
        after: Option<FaceState>,
    },
}

/// A user's edit, as the records it changed: undo writes the `before`s back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredEdit")]
pub struct Edit {
    /// Sequence number, unique for the library's lifetime.
    pub seq: u64,
    /// What it did, as data; the page words it (Undo's label, the note).
    pub what: EditKind,
    pub changes: Vec<Change>,
}

/// What an edit did, with people's names as they were then (an undo may
/// bring back someone who is gone now).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EditKind {
    Rename {
        from: String,
        to: String,
    },
    Merge {
        merged: Vec<String>,
        into: String,
        /// The kept person's name before, when the merge gave a new one
        /// ("merge Person 2 and Person 5 as Ann", not "merge Person 5 into
        /// Ann"). (Absent from edits saved before it was kept.)
        #[serde(default, skip_serializing_if = "Option::is_none")]
        renamed_from: Option<String>,
    },
    Move {
        faces: usize,
        to: String,
    },
    /// Faces made into a new, named person (a search's matches).
    NewPerson {
        faces: usize,
        name: String,
        /// People the user had named who gave up faces to it: a search's
        /// matches can reach into anyone's album, which must not pass
        /// unsaid. (Absent from edits saved before it was kept.)
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        taken_from: Vec<FacesFrom>,
    },
    Remove {
        faces: usize,
        from: Vec<String>,
    },
    Hide {
        person: String,
    },
    Show {
        person: String,
    },
    Cover {
        person: String,
    },
    /// An edit saved before edits were kept as data: its English label.
    Described(String),
}

/// Some of an edit's faces, and the person they were taken from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacesFrom {
    pub person: String,
    pub faces: usize,
}

/// An edit record as stored: libraries saved before edits were data have a
/// `label` sentence instead of `what`.
#[derive(Deserialize)]
struct StoredEdit {
    seq: u64,
    #[serde(default)]
    what: Option<EditKind>,
    #[serde(default)]
    label: Option<String>,
    changes: Vec<Change>,
}

impl From<StoredEdit> for Edit {
    fn from(e: StoredEdit) -> Edit {
        let what = e
            .what
            .or(e.label.map(EditKind::Described))
            .unwrap_or_else(|| EditKind::Described("an earlier change".into()));
        Edit {
            seq: e.seq,
            what,
            changes: e.changes,
        }
    }
}

/// A user's correction, as data: what the page asks the book to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Correction {
    Rename {
        person: PersonId,
        name: String,
    },
    /// Into the first of `people`, which takes `name` if given.
    Merge {
        people: Vec<PersonId>,
        name: Option<String>,
    },
    /// The faces among `faces` that are still `from`'s (`None`: still
    /// unassigned) move: a grouping may have moved some since they were picked.
    Move {
        faces: Vec<FaceKey>,
        from: Option<PersonId>,
        to: MoveTo,
    },
    NewPerson {
        faces: Vec<FaceKey>,
        name: String,
    },
    Remove {
        faces: Vec<FaceKey>,
        from: PersonId,
    },
    SetHidden {
        person: PersonId,
        hidden: bool,
    },
    SetCover {
        person: PersonId,
        face: FaceKey,
    },
    Undo,
    Redo,
}

/// What a correction did.
#[derive(Clone, Debug, PartialEq)]
pub enum Applied {
    /// A new edit; `person` is where faces went (moves, merges, new people).
    Made {
        what: EditKind,
        person: Option<PersonId>,
    },
    Undone(EditKind),
    Redone(EditKind),
}

#[derive(Clone, Debug, Error, PartialEq)]
pub enum EditError {
    #[error("a name cannot be empty")]
    EmptyName,
    #[error("a name can have at most {0} characters")]
    NameTooLong(usize),
    // Not begun with the name: a sentence's capital would change it.
    #[error("someone else is already called {0}")]
    NameTaken(String),
    #[error("they are already called {0}")]
    SameName(String),
    #[error("names like {0} are kept for the people Facesort numbers; choose another")]
    ReservedName(String),
    #[error("that person is no longer in the library")]
    NoSuchPerson,
    #[error("choose at least two people to merge")]
    TooFewToMerge,
    #[error("choose at least one face")]
    NoFaces,
    #[error("there is nothing to undo")]
    NothingToUndo,
    #[error("there is nothing to redo")]
    NothingToRedo,
}

/// Where moved faces go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoveTo {
    NewPerson,
    Person(PersonId),
}
