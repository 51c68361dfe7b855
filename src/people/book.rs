//! The people of a library and the user's corrections to them.
//!
//! Grouping proposes people; the user renames, merges, splits, removes faces
//! and hides people. A [`Book`] holds who is who (every face's person, every
//! person's name) and the history of edits for undo and redo. It has no
//! browser types: the page persists what [`Book::take_dirty`] reports, each
//! edit in one IndexedDB transaction.
//!
//! Which people grouping may still change: only *provisional* ones, made by
//! the grouping of the run in progress and not touched by the user. Anything
//! the user touched, and everything from earlier runs, is settled: new faces
//! may join a settled person but its faces never move and settled people are
//! never merged by the machine. A face the user removed from a person carries
//! that person in [`FaceState::rejected`] and never joins them (or anyone they
//! are merged into) again.

use super::edit::{Applied, Change, Correction, Edit, EditError, EditKind, FacesFrom, MoveTo};
use crate::people::cluster::{Clustering, PersonId, PhotoId};
use crate::people::nearest::FaceHoods;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One face: the `index`-th face found in a photo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FaceKey {
    pub photo: PhotoId,
    pub index: u32,
}

impl FaceKey {
    pub fn new(photo: u32, index: u32) -> Self {
        FaceKey {
            photo: PhotoId(photo),
            index,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    /// `None` until the user names them ("Person 7" meanwhile).
    pub name: Option<String>,
    pub hidden: bool,
    /// Made by the grouping of the run in progress and not touched since.
    pub provisional: bool,
    /// The face shown for them; their first face when unset.
    pub cover: Option<FaceKey>,
}

impl Person {
    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("Person {}", self.id.0 + 1))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FaceState {
    /// `None`: unassigned (the user removed it; the next grouping places it).
    pub person: Option<PersonId>,
    /// The user placed it with `person` (moved or merged there).
    pub confirmed: bool,
    /// People the user took this face away from.
    pub rejected: Vec<PersonId>,
}

/// What the book keeps besides people, faces and edits.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Counters {
    /// Person ids are never reused, so an undo can always bring one back.
    pub next_person: u32,
    pub next_seq: u64,
    /// How many of the kept edits are done (the rest were undone, for redo).
    pub done: usize,
}

/// Records written since the last [`Book::take_dirty`]; `None` values are deletions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dirty {
    pub people: Vec<(PersonId, Option<Person>)>,
    pub faces: Vec<(FaceKey, Option<FaceState>)>,
    pub edits_written: Vec<Edit>,
    pub edits_deleted: Vec<u64>,
    pub counters: Counters,
}

impl Dirty {
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
            && self.faces.is_empty()
            && self.edits_written.is_empty()
            && self.edits_deleted.is_empty()
    }
}

/// What grouping is asked to do: place `faces` among `known` people (or into
/// new ones), never putting `faces[i]` with any of `rejected[i]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegroupRequest {
    pub known: Vec<(PersonId, Vec<FaceKey>)>,
    pub faces: Vec<FaceKey>,
    pub rejected: Vec<Vec<PersonId>>,
}

impl RegroupRequest {
    /// Shows each known person by at most `per_person` of their faces,
    /// spread over all of them in photo order (0: all).
    pub fn represent(&mut self, per_person: usize) {
        if per_person == 0 {
            return;
        }
        for (_, faces) in self.known.iter_mut() {
            if faces.len() > per_person {
                let n = faces.len();
                *faces = (0..per_person).map(|i| faces[i * n / per_person]).collect();
            }
        }
    }
}

/// Undo reaches this far back; older edits are forgotten.
pub const HISTORY_LIMIT: usize = 200;

/// The longest name a person may have, in characters: enough for "Great-aunt
/// Margaret (Dad's side)", short enough for a card, a folder name and a
/// history entry (the name fields stop there too).
pub const MAX_NAME_CHARS: usize = 80;

#[derive(Clone, Debug, Default)]
pub struct Book {
    people: BTreeMap<PersonId, Person>,
    faces: BTreeMap<FaceKey, FaceState>,
    /// Shared so a [`Checkpoint`] costs pointers, not copies of edits.
    history: Vec<Arc<Edit>>,
    counters: Counters,
    dirty_people: BTreeSet<PersonId>,
    dirty_faces: BTreeSet<FaceKey>,
    dirty_edits: BTreeSet<u64>,
    deleted_edits: Vec<u64>,
    /// While a correction is being saved: what it overwrote, to roll back.
    journal: Option<Journal>,
}

/// Records as they were before a correction, first value per record.
#[derive(Clone, Debug, Default)]
struct Journal {
    people: BTreeMap<PersonId, Option<Person>>,
    faces: BTreeMap<FaceKey, Option<FaceState>>,
    history: Vec<Arc<Edit>>,
    counters: Counters,
    dirty_people: BTreeSet<PersonId>,
    dirty_faces: BTreeSet<FaceKey>,
    dirty_edits: BTreeSet<u64>,
    deleted_edits: Vec<u64>,
}

impl Book {
    /// The book as stored: edits in any order (sorted here).
    pub fn from_parts(
        people: Vec<Person>,
        faces: Vec<(FaceKey, FaceState)>,
        mut history: Vec<Edit>,
        counters: Counters,
    ) -> Book {
        history.sort_by_key(|e| e.seq);
        let mut counters = counters;
        counters.done = counters.done.min(history.len());
        // Never hand out an id or number already used, even if the counters
        // record was lost: every id in the records (edits included) is used.
        let mut ids: Vec<u32> = people.iter().map(|p| p.id.0).collect();
        ids.extend(faces.iter().filter_map(|(_, f)| f.person).map(|p| p.0));
        for edit in &history {
            for change in &edit.changes {
                match change {
                    Change::Person { id, .. } => ids.push(id.0),
                    Change::Face { before, after, .. } => ids.extend(
                        [before, after]
                            .into_iter()
                            .flatten()
                            .filter_map(|f| f.person)
                            .map(|p| p.0),
                    ),
                }
            }
        }
        if let Some(max) = ids.into_iter().max() {
            counters.next_person = counters.next_person.max(max + 1);
        }
        if let Some(last) = history.last() {
            counters.next_seq = counters.next_seq.max(last.seq + 1);
        }
        Book {
            people: people.into_iter().map(|p| (p.id, p)).collect(),
            faces: faces.into_iter().collect(),
            history: history.into_iter().map(Arc::new).collect(),
            counters,
            ..Book::default()
        }
    }

    pub fn person(&self, id: PersonId) -> Option<&Person> {
        self.people.get(&id)
    }

    pub fn people(&self) -> impl Iterator<Item = &Person> {
        self.people.values()
    }

    pub fn face(&self, key: FaceKey) -> Option<&FaceState> {
        self.faces.get(&key)
    }

    pub fn person_of(&self, key: FaceKey) -> Option<PersonId> {
        self.faces.get(&key).and_then(|f| f.person)
    }

    pub fn faces_of(&self, id: PersonId) -> Vec<FaceKey> {
        self.faces
            .iter()
            .filter(|(_, f)| f.person == Some(id))
            .map(|(k, _)| *k)
            .collect()
    }

    /// Faces the user removed that no grouping has placed yet.
    pub fn unassigned(&self) -> Vec<FaceKey> {
        self.faces
            .iter()
            .filter(|(_, f)| f.person.is_none())
            .map(|(k, _)| *k)
            .collect()
    }

    /// What Undo would undo.
    pub fn undoable(&self) -> Option<&EditKind> {
        let done = self.counters.done;
        (done > 0).then(|| &self.history[done - 1].what)
    }

    pub fn redoable(&self) -> Option<&EditKind> {
        self.history.get(self.counters.done).map(|e| &e.what)
    }

    /// Applies a correction. With [`Book::begin`] before it, it can still be
    /// rolled back (the page does when it cannot save it).
    pub fn apply(&mut self, correction: &Correction) -> Result<Applied, EditError> {
        let made = |what: EditKind, person: Option<PersonId>| Applied::Made { what, person };
        match correction {
            Correction::Rename { person, name } => {
                self.rename(*person, name)?;
                Ok(made(self.last_what(), Some(*person)))
            }
            Correction::Merge { people, name } => {
                let target = self.merge(people, name.as_deref())?;
                Ok(made(self.last_what(), Some(target)))
            }
            Correction::Move { faces, from, to } => {
                let faces = self.still_with(faces, *from);
                let target = self.move_faces(&faces, *to)?;
                Ok(made(self.last_what(), Some(target)))
            }
            Correction::NewPerson { faces, name } => {
                let target = self.new_person(faces, name)?;
                Ok(made(self.last_what(), Some(target)))
            }
            Correction::Remove { faces, from } => {
                let faces = self.still_with(faces, Some(*from));
                self.remove_faces(&faces)?;
                Ok(made(self.last_what(), None))
            }
            Correction::SetHidden { person, hidden } => {
                self.set_hidden(*person, *hidden)?;
                Ok(made(self.last_what(), Some(*person)))
            }
            Correction::SetCover { person, face } => {
                self.set_cover(*person, *face)?;
                Ok(made(self.last_what(), Some(*person)))
            }
            Correction::Undo => self.undo().map(Applied::Undone),
            Correction::Redo => self.redo().map(Applied::Redone),
        }
    }

    fn last_what(&self) -> EditKind {
        self.undoable()
            .cloned()
            .unwrap_or_else(|| EditKind::Described(String::new()))
    }

    /// The faces among `keys` that are still `person`'s (`None`: unassigned).
    fn still_with(&self, keys: &[FaceKey], person: Option<PersonId>) -> Vec<FaceKey> {
        keys.iter()
            .filter(|k| self.faces.get(k).is_some_and(|f| f.person == person))
            .copied()
            .collect()
    }

    /// Starts journalling, so that what follows can be [`Book::rollback`]ed.
    pub fn begin(&mut self) {
        self.journal = Some(Journal {
            history: self.history.clone(),
            counters: self.counters.clone(),
            dirty_people: self.dirty_people.clone(),
            dirty_faces: self.dirty_faces.clone(),
            dirty_edits: self.dirty_edits.clone(),
            deleted_edits: self.deleted_edits.clone(),
            ..Journal::default()
        });
    }

    /// Keeps what was done since [`Book::begin`].
    pub fn commit(&mut self) {
        self.journal = None;
    }

    /// Puts back everything as it was at [`Book::begin`]: records, history,
    /// counters and what is still to be saved.
    pub fn rollback(&mut self) {
        let Some(j) = self.journal.take() else {
            return;
        };
        for (id, person) in j.people {
            match person {
                Some(p) => self.people.insert(id, p),
                None => self.people.remove(&id),
            };
        }
        for (key, face) in j.faces {
            match face {
                Some(f) => self.faces.insert(key, f),
                None => self.faces.remove(&key),
            };
        }
        self.history = j.history;
        self.counters = j.counters;
        self.dirty_people = j.dirty_people;
        self.dirty_faces = j.dirty_faces;
        self.dirty_edits = j.dirty_edits;
        self.deleted_edits = j.deleted_edits;
    }

    /// Everything written since the last call, for the caller to persist in
    /// one transaction.
    pub fn take_dirty(&mut self) -> Dirty {
        let people = std::mem::take(&mut self.dirty_people)
            .into_iter()
            .map(|id| (id, self.people.get(&id).cloned()))
            .collect();
        let faces = std::mem::take(&mut self.dirty_faces)
            .into_iter()
            .map(|k| (k, self.faces.get(&k).cloned()))
            .collect();
        let written = std::mem::take(&mut self.dirty_edits);
        let edits_written = self
            .history
            .iter()
            .filter(|e| written.contains(&e.seq))
            .map(|e| Edit::clone(e))
            .collect();
        Dirty {
            people,
            faces,
            edits_written,
            edits_deleted: std::mem::take(&mut self.deleted_edits),
            counters: self.counters.clone(),
        }
    }

    /// Puts back what a failed save did not write, so the next save retries it.
    pub fn keep_dirty(&mut self, dirty: Dirty) {
        self.dirty_people
            .extend(dirty.people.into_iter().map(|(id, _)| id));
        self.dirty_faces
            .extend(dirty.faces.into_iter().map(|(k, _)| k));
        self.dirty_edits
            .extend(dirty.edits_written.into_iter().map(|e| e.seq));
        self.deleted_edits.extend(dirty.edits_deleted);
    }

    /// The largest photo id any face record mentions.
    pub fn last_photo(&self) -> Option<u32> {
        self.faces.keys().map(|k| k.photo.0).max()
    }

    // ---- user edits -------------------------------------------------------

    /// Renames a person; names are unique (ignoring case) and not empty.
    pub fn rename(&mut self, id: PersonId, name: &str) -> Result<(), EditError> {
        let person = self.people.get(&id).ok_or(EditError::NoSuchPerson)?;
        let name = self.valid_name(name, &[id])?;
        // Not an edit: it would fill the history with "rename X to X".
        // (Giving a numbered person their number as a name is one: it keeps
        // them as they are when people are re-formed, and in named exports.)
        if person.name.as_deref() == Some(name.as_str()) {
            return Err(EditError::SameName(name));
        }
        let label = EditKind::Rename {
            from: person.display_name(),
            to: name.clone(),
        };
        let mut edit = Vec::new();
        self.update_person(&mut edit, id, |p| p.name = Some(name));
        self.finish(edit, label);
        Ok(())
    }

    /// Merges `ids` into the first of them, which takes `name` (if given).
    /// Faces anyone removed from one of them are kept from all of them.
    pub fn merge(&mut self, ids: &[PersonId], name: Option<&str>) -> Result<PersonId, EditError> {
        let mut unique: Vec<PersonId> = Vec::new();
        for id in ids {
            if !self.people.contains_key(id) {
                return Err(EditError::NoSuchPerson);
            }
            if !unique.contains(id) {
                unique.push(*id);
            }
        }
        if unique.len() < 2 {
            return Err(EditError::TooFewToMerge);
        }
        let name = match name {
            Some(n) => Some(self.valid_name(n, &unique)?),
            None => None,
        };
        let (target, others) = (unique[0], &unique[1..]);
        let kept = self.people[&target].display_name();
        let label = EditKind::Merge {
            merged: others
                .iter()
                .map(|id| self.people[id].display_name())
                .collect(),
            renamed_from: name.as_ref().filter(|n| **n != kept).map(|_| kept.clone()),
            into: name.clone().unwrap_or(kept),
        };
        let mut edit = Vec::new();
        let keys: Vec<FaceKey> = self.faces.keys().copied().collect();
        for key in keys {
            let face = &self.faces[&key];
            let moves = face.person.is_some_and(|p| unique.contains(&p));
            let redirects = face.rejected.iter().any(|p| others.contains(p));
            if !moves && !redirects {
                continue;
            }
            self.update_face(&mut edit, key, |f| {
                if moves {
                    f.person = Some(target);
                    f.confirmed = true;
                }
                for r in f.rejected.iter_mut() {
                    if others.contains(r) {
                        *r = target;
                    }
                }
                f.rejected.sort();
                f.rejected.dedup();
            });
        }
        for id in others {
            self.set_person(&mut edit, *id, None);
        }
        self.update_person(&mut edit, target, |p| {
            if name.is_some() {
                p.name = name;
            }
            p.hidden = false;
        });
        self.finish(edit, label);
        Ok(target)
    }

    /// Moves faces to another or a new person; the people they leave never
    /// get them back automatically.
    pub fn move_faces(&mut self, keys: &[FaceKey], to: MoveTo) -> Result<PersonId, EditError> {
        self.place(keys, to, None)
    }

    /// A new person made of these faces (a search's results, say), named.
    pub fn new_person(&mut self, keys: &[FaceKey], name: &str) -> Result<PersonId, EditError> {
        let name = self.valid_name(name, &[])?;
        self.place(keys, MoveTo::NewPerson, Some(name))
    }

    fn place(
        &mut self,
        keys: &[FaceKey],
        to: MoveTo,
        name: Option<String>,
    ) -> Result<PersonId, EditError> {
        let keys = self.known_faces(keys)?;
        let new_named = name.is_some();
        let mut edit = Vec::new();
        let target = match to {
            MoveTo::Person(id) => {
                if !self.people.contains_key(&id) {
                    return Err(EditError::NoSuchPerson);
                }
                self.update_person(&mut edit, id, |_| {});
                id
            }
            MoveTo::NewPerson => {
                let id = self.new_person_id();
                self.set_person(
                    &mut edit,
                    id,
                    Some(Person {
                        id,
                        name,
                        hidden: false,
                        provisional: false,
                        cover: None,
                    }),
                );
                id
            }
        };
        let target_name = self.people[&target].display_name();
        let mut sources = BTreeSet::new();
        // Named as they are before the edit: settling may remove someone left
        // with no face.
        let mut taken_from: BTreeMap<PersonId, FacesFrom> = BTreeMap::new();
        for &key in &keys {
            let from = self.faces[&key].person;
            if from == Some(target) {
                continue;
            }
            sources.extend(from);
            if let Some(named) = from
                .and_then(|id| self.people.get(&id))
                .filter(|p| p.name.is_some())
            {
                taken_from
                    .entry(named.id)
                    .or_insert_with(|| FacesFrom {
                        person: named.display_name(),
                        faces: 0,
                    })
                    .faces += 1;
            }
            self.update_face(&mut edit, key, |f| {
                if let Some(from) = from {
                    if !f.rejected.contains(&from) {
                        f.rejected.push(from);
                    }
                }
                f.rejected.retain(|r| *r != target);
                f.person = Some(target);
                f.confirmed = true;
            });
        }
        self.settle_sources(&mut edit, &sources);
        let label = if new_named {
            EditKind::NewPerson {
                faces: keys.len(),
                name: target_name,
                taken_from: taken_from.into_values().collect(),
            }
        } else {
            EditKind::Move {
                faces: keys.len(),
                to: target_name,
            }
        };
        self.finish(edit, label);
        Ok(target)
    }

    /// Takes faces away from their person: they become unassigned and are
    /// never given back to that person.
    pub fn remove_faces(&mut self, keys: &[FaceKey]) -> Result<(), EditError> {
        let keys = self.known_faces(keys)?;
        let mut edit = Vec::new();
        let mut sources = BTreeSet::new();
        for &key in &keys {
            let Some(from) = self.faces[&key].person else {
                continue;
            };
            sources.insert(from);
            self.update_face(&mut edit, key, |f| {
                f.person = None;
                f.confirmed = false;
                if !f.rejected.contains(&from) {
                    f.rejected.push(from);
                }
            });
        }
        let from = sources
            .iter()
            .filter_map(|id| self.people.get(id))
            .map(|p| p.display_name())
            .collect();
        self.settle_sources(&mut edit, &sources);
        let label = EditKind::Remove {
            faces: keys.len(),
            from,
        };
        self.finish(edit, label);
        Ok(())
    }

    pub fn set_hidden(&mut self, id: PersonId, hidden: bool) -> Result<(), EditError> {
        let person = self.people.get(&id).ok_or(EditError::NoSuchPerson)?;
        let person = person.display_name();
        let label = if hidden {
            EditKind::Hide { person }
        } else {
            EditKind::Show { person }
        };
        let mut edit = Vec::new();
        self.update_person(&mut edit, id, |p| p.hidden = hidden);
        self.finish(edit, label);
        Ok(())
    }

    pub fn set_cover(&mut self, id: PersonId, key: FaceKey) -> Result<(), EditError> {
        let person = self.people.get(&id).ok_or(EditError::NoSuchPerson)?;
        if self.person_of(key) != Some(id) {
            return Err(EditError::NoFaces);
        }
        let label = EditKind::Cover {
            person: person.display_name(),
        };
        let mut edit = Vec::new();
        self.update_person(&mut edit, id, |p| p.cover = Some(key));
        self.finish(edit, label);
        Ok(())
    }

    pub fn undo(&mut self) -> Result<EditKind, EditError> {
        let done = self.counters.done;
        if done == 0 {
            return Err(EditError::NothingToUndo);
        }
        let edit = self.history[done - 1].clone();
        self.replay(&edit, true);
        self.counters.done -= 1;
        Ok(edit.what.clone())
    }

    pub fn redo(&mut self) -> Result<EditKind, EditError> {
        let Some(edit) = self.history.get(self.counters.done).cloned() else {
            return Err(EditError::NothingToRedo);
        };
        self.replay(&edit, false);
        self.counters.done += 1;
        Ok(edit.what.clone())
    }

    /// Writes an edit's `before` (undo) or `after` (redo) values back. Records
    /// a grouping changed since are not the edit's: faces that joined a person
    /// the replay removes become unassigned (the next grouping places them),
    /// and people it brings back stay settled.
    fn replay(&mut self, edit: &Edit, undo: bool) {
        let mut covered = BTreeSet::new();
        let changes: Box<dyn Iterator<Item = &Change>> = if undo {
            Box::new(edit.changes.iter().rev())
        } else {
            Box::new(edit.changes.iter())
        };
        for change in changes {
            match change {
                Change::Person { id, before, after } => {
                    let mut value = if undo { before } else { after }.clone();
                    if let Some(p) = value.as_mut() {
                        p.provisional = false;
                    }
                    self.write_person(*id, value);
                }
                Change::Face { key, before, after } => {
                    covered.insert(*key);
                    self.write_face(*key, if undo { before } else { after }.clone());
                }
            }
        }
        let orphans: Vec<FaceKey> = self
            .faces
            .iter()
            .filter(|(k, f)| {
                !covered.contains(k) && f.person.is_some_and(|p| !self.people.contains_key(&p))
            })
            .map(|(k, _)| *k)
            .collect();
        for key in orphans {
            let mut state = self.faces[&key].clone();
            state.person = None;
            state.confirmed = false;
            self.write_face(key, Some(state));
        }
    }

    // ---- grouping -----------------------------------------------------------

    /// What the next grouping must place: `all_faces` not yet placed, removed
    /// by the user, or in a provisional person; settled people are known.
    pub fn regroup_request(&self, all_faces: impl IntoIterator<Item = FaceKey>) -> RegroupRequest {
        self.window_request(std::iter::empty(), all_faces)
    }

    /// What a re-forming of only the recent faces groups: `recent` faces are
    /// formed again as [`Book::regroup_request`] would, while everyone with
    /// `older` faces (this run's people too) is known by those faces, so
    /// recent faces may join them but they are never formed again. Older
    /// faces left with nobody stay so.
    pub fn window_request(
        &self,
        older: impl IntoIterator<Item = FaceKey>,
        recent: impl IntoIterator<Item = FaceKey>,
    ) -> RegroupRequest {
        let mut known: BTreeMap<PersonId, Vec<FaceKey>> = BTreeMap::new();
        let mut request = RegroupRequest::default();
        for key in older {
            if let Some(p) = self.person_of(key).filter(|p| self.people.contains_key(p)) {
                known.entry(p).or_default().push(key);
            }
        }
        for key in recent {
            let state = self.faces.get(&key);
            match state
                .and_then(|f| f.person)
                .and_then(|p| self.people.get(&p))
            {
                Some(p) if !p.provisional => known.entry(p.id).or_default().push(key),
                _ => {
                    request.faces.push(key);
                    request
                        .rejected
                        .push(state.map(|f| f.rejected.clone()).unwrap_or_default());
                }
            }
        }
        request.known = known.into_iter().collect();
        request
    }

    /// Where each face of `request` starts when a run's people are refined
    /// ([`crate::people::cluster::cluster_from`]): with its person, or on
    /// its own.
    pub fn starting_groups(&self, request: &RegroupRequest) -> Vec<u32> {
        request
            .faces
            .iter()
            .enumerate()
            .map(|(i, key)| self.person_of(*key).map_or(u32::MAX - i as u32, |p| p.0))
            .collect()
    }

    /// Applies a grouping of `request`. New groups keep the id of the
    /// provisional person they overlap most, so people do not renumber while
    /// photos arrive; provisional people left without faces are dropped.
    pub fn apply_regroup(&mut self, request: &RegroupRequest, clustering: &Clustering) {
        let known: BTreeSet<PersonId> = request.known.iter().map(|(id, _)| *id).collect();
        let mut groups: BTreeMap<PersonId, Vec<FaceKey>> = BTreeMap::new();
        for (key, person) in request.faces.iter().zip(&clustering.assignments) {
            if let Some(person) = person.filter(|p| !known.contains(p)) {
                groups.entry(person).or_default().push(*key);
            }
        }
        // Largest first, so a fresh library numbers its people by size.
        let mut groups: Vec<Vec<FaceKey>> = groups.into_values().collect();
        groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));

        // The provisional people whose faces are grouped again; others (a
        // placing showed them as known, or did not send them) keep theirs.
        let previous: BTreeSet<PersonId> = request
            .faces
            .iter()
            .filter_map(|k| self.person_of(*k))
            .filter(|p| !known.contains(p) && self.people.get(p).is_some_and(|p| p.provisional))
            .collect();
        let mut overlaps: Vec<(usize, usize, PersonId)> = Vec::new();
        for (g, faces) in groups.iter().enumerate() {
            let mut count: BTreeMap<PersonId, usize> = BTreeMap::new();
            for key in faces {
                if let Some(p) = self.person_of(*key).filter(|p| previous.contains(p)) {
                    *count.entry(p).or_default() += 1;
                }
            }
            overlaps.extend(count.into_iter().map(|(p, n)| (n, g, p)));
        }
        overlaps.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut ids: Vec<Option<PersonId>> = vec![None; groups.len()];
        let mut reused = BTreeSet::new();
        for (_, g, p) in overlaps {
            if ids[g].is_none() && !reused.contains(&p) {
                ids[g] = Some(p);
                reused.insert(p);
            }
        }
        for id in ids.iter_mut().filter(|id| id.is_none()) {
            let fresh = self.new_person_id();
            *id = Some(fresh);
            self.write_person(
                fresh,
                Some(Person {
                    id: fresh,
                    name: None,
                    hidden: false,
                    provisional: true,
                    cover: None,
                }),
            );
        }
        let mut placed: BTreeMap<FaceKey, PersonId> = BTreeMap::new();
        for (g, faces) in groups.iter().enumerate() {
            placed.extend(
                faces
                    .iter()
                    .map(|k| (*k, ids[g].expect("every group has an id"))),
            );
        }
        for (key, person) in request.faces.iter().zip(&clustering.assignments) {
            // Unsure faces close to nobody stay unassigned ("Other faces").
            let person = placed.get(key).copied().or(*person);
            let mut state = self.faces.get(key).cloned().unwrap_or_default();
            if state.person != person {
                state.person = person;
                state.confirmed = false;
                self.write_face(*key, Some(state));
            } else if !self.faces.contains_key(key) {
                self.write_face(*key, Some(state));
            }
        }
        for p in previous.difference(&reused) {
            self.write_person(*p, None);
        }
    }

    /// The run is over: what it made is now settled (later runs add to it but
    /// do not re-form it), numbered by size.
    pub fn settle(&mut self) {
        let made = self.provisional_ids();
        self.number_by_size(&made);
        for id in self.provisional_ids() {
            let mut p = self.people[&id].clone();
            p.provisional = false;
            self.write_person(id, Some(p));
        }
    }

    /// What to group between re-formings, while photos arrive: only faces no
    /// grouping has seen (and faces taken away); the run's people so far are
    /// known, like settled ones, so new faces join them or make new people,
    /// and nothing is formed again. Each known person is represented by at
    /// most `per_person` of their faces, spread over all of them (in photo
    /// order, so old and new photos both speak): the cost of placing a few
    /// photos stays with those photos, not with the run or the library.
    ///
    /// With the library's neighbourhoods (`hoods`), only the people who own
    /// one of a new face's nearest faces (or, for a nearest face still to be
    /// placed, one of its nearest) are sent: a job carried everyone's faces,
    /// and a worker spent more time reading them than grouping.
    pub fn placing_request(
        &self,
        all_faces: impl IntoIterator<Item = FaceKey>,
        per_person: usize,
        hoods: Option<&FaceHoods>,
    ) -> RegroupRequest {
        let mut known: BTreeMap<PersonId, Vec<FaceKey>> = BTreeMap::new();
        let mut request = RegroupRequest::default();
        for key in all_faces {
            match self.faces.get(&key) {
                // Never grouped: to be placed.
                None => {
                    request.faces.push(key);
                    request.rejected.push(Vec::new());
                }
                Some(f) => {
                    // Faces a grouping left with nobody (unclear, or taken
                    // away) wait for the next re-forming.
                    if let Some(p) = f.person.filter(|p| self.people.contains_key(p)) {
                        known.entry(p).or_default().push(key);
                    }
                }
            }
        }
        if let Some(near) = hoods.and_then(|h| self.people_near(&request.faces, h)) {
            known.retain(|p, _| near.contains(p));
        }
        request.known = known.into_iter().collect();
        request.represent(per_person);
        request
    }

    /// The people owning a nearest face of `faces`, looking one step further
    /// through nearest faces that have no person yet; `None` if a face has
    /// no neighbourhood to go by.
    fn people_near(&self, faces: &[FaceKey], hoods: &FaceHoods) -> Option<BTreeSet<PersonId>> {
        let mut near = BTreeSet::new();
        for face in faces {
            for n in hoods.nearest_keys(*face)? {
                match self.person_of(n) {
                    Some(p) => {
                        near.insert(p);
                    }
                    None => near.extend(
                        hoods
                            .nearest_keys(n)
                            .into_iter()
                            .flatten()
                            .filter_map(|m| self.person_of(m)),
                    ),
                }
            }
        }
        Some(near)
    }

    /// The people a run made (provisional: not renamed, not touched) take the
    /// lowest free numbers in grid order (most photos first, then the first
    /// photo), so a fresh library reads Person 1, 2, 3… rather than in the
    /// order groups happened to form while photos arrived. A number is free
    /// when no settled person holds it and no edit or correction mentions it,
    /// so undo can still bring back anyone it names.
    fn number_by_size(&mut self, made: &BTreeSet<PersonId>) {
        let mut mentioned: BTreeSet<PersonId> = self
            .faces
            .values()
            .flat_map(|f| f.rejected.iter().copied())
            .collect();
        for edit in &self.history {
            for change in &edit.changes {
                match change {
                    Change::Person { id, .. } => {
                        mentioned.insert(*id);
                    }
                    Change::Face { before, after, .. } => {
                        for f in [before, after].into_iter().flatten() {
                            mentioned.extend(f.person);
                            mentioned.extend(f.rejected.iter().copied());
                        }
                    }
                }
            }
        }
        // Only people still as the machine made them: not named, not edited.
        let provisional: BTreeSet<PersonId> = made
            .iter()
            .filter(|id| {
                self.people
                    .get(id)
                    .is_some_and(|p| p.name.is_none() && !p.hidden)
                    && !mentioned.contains(id)
            })
            .copied()
            .collect();
        if provisional.is_empty() {
            return;
        }
        let mut photos: BTreeMap<PersonId, BTreeSet<PhotoId>> = BTreeMap::new();
        for (key, face) in &self.faces {
            if let Some(p) = face.person.filter(|p| provisional.contains(p)) {
                photos.entry(p).or_default().insert(key.photo);
            }
        }
        let size = |p: &PersonId| photos.get(p).map_or(0, BTreeSet::len);
        let first = |p: &PersonId| photos.get(p).and_then(|s| s.first().copied());
        let mut order: Vec<PersonId> = provisional.iter().copied().collect();
        order.sort_by(|a, b| {
            size(b)
                .cmp(&size(a))
                .then(first(a).cmp(&first(b)))
                .then(a.cmp(b))
        });
        let mut taken: BTreeSet<PersonId> = self
            .people
            .keys()
            .filter(|id| !provisional.contains(id))
            .copied()
            .collect();
        taken.extend(mentioned);
        let free: Vec<PersonId> = (0..)
            .map(PersonId)
            .filter(|id| !taken.contains(id))
            .take(order.len())
            .collect();
        if free == order {
            return;
        }
        let renumber: BTreeMap<PersonId, PersonId> = order.iter().copied().zip(free).collect();
        let people: Vec<Person> = order.iter().map(|id| self.people[id].clone()).collect();
        for id in &order {
            self.write_person(*id, None);
        }
        for mut person in people {
            person.id = renumber[&person.id];
            self.write_person(person.id, Some(person));
        }
        let moved: Vec<(FaceKey, FaceState)> = self
            .faces
            .iter()
            .filter_map(|(k, f)| {
                let to = renumber.get(&f.person?)?;
                let mut f = f.clone();
                f.person = Some(*to);
                Some((*k, f))
            })
            .collect();
        for (key, face) in moved {
            self.write_face(key, Some(face));
        }
        if let Some(max) = renumber.values().max() {
            self.counters.next_person = self.counters.next_person.max(max.0 + 1);
        }
    }

    // ---- internals ----------------------------------------------------------

    fn provisional_ids(&self) -> BTreeSet<PersonId> {
        self.people
            .values()
            .filter(|p| p.provisional)
            .map(|p| p.id)
            .collect()
    }

    fn valid_name(&self, name: &str, except: &[PersonId]) -> Result<String, EditError> {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(EditError::EmptyName);
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(EditError::NameTooLong(MAX_NAME_CHARS));
        }
        let lower = name.to_lowercase();
        let taken = self
            .people
            .values()
            .filter(|p| !except.contains(&p.id))
            .any(|p| p.display_name().to_lowercase() == lower);
        if taken {
            return Err(EditError::NameTaken(name));
        }
        // "Person 9" is the default name of person id 8; ids yet to be given
        // out would collide with it later (used ones are unique or gone for good).
        let number = lower
            .strip_prefix("person ")
            .and_then(|n| n.parse::<u64>().ok());
        if number.is_some_and(|n| n == 0 || n > u64::from(self.counters.next_person)) {
            return Err(EditError::ReservedName(name));
        }
        Ok(name)
    }

    fn known_faces(&self, keys: &[FaceKey]) -> Result<Vec<FaceKey>, EditError> {
        let keys: Vec<FaceKey> = keys
            .iter()
            .filter(|k| self.faces.contains_key(k))
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if keys.is_empty() {
            return Err(EditError::NoFaces);
        }
        Ok(keys)
    }

    /// People who lost faces are settled (the user looked at them); those
    /// left with none are removed.
    fn settle_sources(&mut self, edit: &mut Vec<Change>, sources: &BTreeSet<PersonId>) {
        for id in sources {
            let Some(person) = self.people.get(id) else {
                continue;
            };
            if self.faces.values().any(|f| f.person == Some(*id)) {
                let cover_left = person.cover.is_some_and(|c| self.person_of(c) != Some(*id));
                self.update_person(edit, *id, |p| {
                    if cover_left {
                        p.cover = None;
                    }
                });
            } else {
                self.set_person(edit, *id, None);
            }
        }
    }

    fn new_person_id(&mut self) -> PersonId {
        let id = PersonId(self.counters.next_person);
        self.counters.next_person += 1;
        id
    }

    /// Updates a person within an edit; any edit settles them.
    fn update_person(&mut self, edit: &mut Vec<Change>, id: PersonId, f: impl FnOnce(&mut Person)) {
        let mut p = self.people[&id].clone();
        f(&mut p);
        p.provisional = false;
        self.set_person(edit, id, Some(p));
    }

    fn set_person(&mut self, edit: &mut Vec<Change>, id: PersonId, after: Option<Person>) {
        let before = self.people.get(&id).cloned();
        if before != after {
            edit.push(Change::Person {
                id,
                before,
                after: after.clone(),
            });
            self.write_person(id, after);
        }
    }

    fn update_face(
        &mut self,
        edit: &mut Vec<Change>,
        key: FaceKey,
        f: impl FnOnce(&mut FaceState),
    ) {
        let before = self.faces.get(&key).cloned();
        let mut after = before.clone().unwrap_or_default();
        f(&mut after);
        if before.as_ref() != Some(&after) {
            edit.push(Change::Face {
                key,
                before,
                after: Some(after.clone()),
            });
            self.write_face(key, Some(after));
        }
    }

    fn finish(&mut self, changes: Vec<Change>, what: EditKind) {
        if changes.is_empty() {
            return;
        }
        // A new edit forgets what was undone.
        let undone: Vec<u64> = self
            .history
            .drain(self.counters.done..)
            .map(|e| e.seq)
            .collect();
        for seq in undone {
            self.forget_edit(seq);
        }
        let seq = self.counters.next_seq;
        self.counters.next_seq += 1;
        self.history.push(Arc::new(Edit { seq, what, changes }));
        self.dirty_edits.insert(seq);
        if self.history.len() > HISTORY_LIMIT {
            let old = self.history.remove(0);
            self.forget_edit(old.seq);
        }
        self.counters.done = self.history.len();
    }

    /// An edit leaves the history: delete it from storage unless it never got there.
    fn forget_edit(&mut self, seq: u64) {
        if !self.dirty_edits.remove(&seq) {
            self.deleted_edits.push(seq);
        }
    }

    fn write_person(&mut self, id: PersonId, value: Option<Person>) {
        if let Some(j) = self.journal.as_mut() {
            j.people
                .entry(id)
                .or_insert_with(|| self.people.get(&id).cloned());
        }
        match value {
            Some(p) => self.people.insert(id, p),
            None => self.people.remove(&id),
        };
        self.dirty_people.insert(id);
    }

    fn write_face(&mut self, key: FaceKey, value: Option<FaceState>) {
        if let Some(j) = self.journal.as_mut() {
            j.faces
                .entry(key)
                .or_insert_with(|| self.faces.get(&key).cloned());
        }
        match value {
            Some(f) => self.faces.insert(key, f),
            None => self.faces.remove(&key),
        };
        self.dirty_faces.insert(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::embedding::Embedding;
    use crate::people::cluster::ClusterConfig;
    use crate::wire::grouping::GroupingJob;

    /// A face near one of a few well-separated points (people) in 4-D.
    fn embedding(person: usize, jitter: f32) -> Embedding {
        let mut v = vec![0.0; 4];
        v[person % 4] = 1.0 + jitter;
        if person >= 4 {
            v[(person + 1) % 4] = 1.0;
        }
        Embedding::new(v)
    }

    /// Photos with the people in them; face i of photo p is `people[p][i]`.
    struct World {
        photos: Vec<Vec<usize>>,
    }

    impl World {
        fn keys(&self) -> Vec<FaceKey> {
            self.photos
                .iter()
                .enumerate()
                .flat_map(|(p, faces)| {
                    (0..faces.len()).map(move |i| FaceKey::new(p as u32, i as u32))
                })
                .collect()
        }

        fn who(&self, key: FaceKey) -> usize {
            self.photos[key.photo.0 as usize][key.index as usize]
        }

        /// A face's descriptor: its person's, a little apart per photo.
        fn face(&self, key: FaceKey) -> Embedding {
            embedding(self.who(key), 0.01 * (key.photo.0 % 3) as f32)
        }

        fn job(&self, request: &RegroupRequest) -> GroupingJob {
            GroupingJob::for_request(request, |k| self.face(k), |_| true, ClusterConfig::DEFAULT)
        }

        fn regroup(&self, book: &mut Book) {
            let request = book.regroup_request(self.keys());
            let job = self.job(&request);
            // Through serde, as it travels to the worker.
            let job: GroupingJob =
                serde_json::from_str(&serde_json::to_string(&job).unwrap()).unwrap();
            book.apply_regroup(&request, &job.run().unwrap());
        }
    }

    fn person_of(book: &Book, photo: u32, index: u32) -> PersonId {
        book.person_of(FaceKey::new(photo, index)).expect("placed")
    }

    /// Everyone in `book` is who grouping the world all at once makes them.
    fn assert_as_at_once(book: &Book, world: &World) {
        let at_once = sorted_book(world);
        for key in world.keys() {
            assert_eq!(
                book.person_of(key)
                    .map(|p| book.person(p).unwrap().display_name()),
                at_once
                    .person_of(key)
                    .map(|p| at_once.person(p).unwrap().display_name()),
                "{key:?}"
            );
        }
    }

    fn sorted_book(world: &World) -> Book {
        let mut book = Book::default();
        world.regroup(&mut book);
        book.settle();
        book.take_dirty();
        book
    }

    #[test]
    fn grouping_numbers_people_by_size_and_keeps_ids_while_photos_arrive() {
        let mut world = World {
            photos: vec![vec![1], vec![0], vec![0, 1], vec![0]],
        };
        let mut book = Book::default();
        world.regroup(&mut book);
        let first = person_of(&book, 1, 0);
        assert_eq!(book.person(first).unwrap().display_name(), "Person 1");
        assert_eq!(person_of(&book, 0, 0), PersonId(1));
        assert!(book.people().all(|p| p.provisional));

        // More photos of the same two people, and a newcomer: ids stay put.
        world.photos.extend([vec![2], vec![1], vec![2, 1], vec![2]]);
        world.regroup(&mut book);
        assert_eq!(person_of(&book, 1, 0), first);
        assert_eq!(person_of(&book, 5, 0), PersonId(1));
        let newcomer = person_of(&book, 4, 0);
        assert_eq!(newcomer, PersonId(2));
        assert_eq!(book.people().count(), 3);
        // Two people in one photo are never one person.
        assert_ne!(person_of(&book, 2, 0), person_of(&book, 2, 1));
        book.settle();
        assert!(book.people().all(|p| !p.provisional));
    }

    #[test]
    fn names_are_unique_and_not_empty() {
        let world = World {
            photos: vec![vec![0, 1]],
        };
        let mut book = sorted_book(&world);
        let (a, b) = (person_of(&book, 0, 0), person_of(&book, 0, 1));
        assert_eq!(book.rename(a, "   "), Err(EditError::EmptyName));
        let long = "é".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(
            book.rename(a, &long),
            Err(EditError::NameTooLong(MAX_NAME_CHARS))
        );
        book.rename(a, &long[..long.len() - 2]).unwrap();
        book.rename(a, "  Ann   Lee ").unwrap();
        assert_eq!(book.person(a).unwrap().display_name(), "Ann Lee");
        assert_eq!(
            book.rename(b, "ann lee"),
            Err(EditError::NameTaken("ann lee".into()))
        );
        // Nor may anyone take another person's default name.
        let default_b = book.person(b).unwrap().display_name();
        assert!(matches!(
            book.rename(a, &default_b),
            Err(EditError::NameTaken(_))
        ));
        // Renaming to one's own name (another case) is fine.
        book.rename(a, "ANN LEE").unwrap();
        assert_eq!(
            book.undoable(),
            Some(&EditKind::Rename {
                from: "Ann Lee".into(),
                to: "ANN LEE".into()
            })
        );
        // The same name again is refused rather than put in the history as
        // "rename X to X".
        let edits = book.undoable().cloned();
        assert_eq!(
            book.rename(a, " ANN  LEE"),
            Err(EditError::SameName("ANN LEE".into()))
        );
        assert_eq!(book.undoable().cloned(), edits);
    }

    #[test]
    fn merge_moves_faces_and_corrections_and_undo_restores_everything() {
        let world = World {
            photos: vec![vec![0], vec![1], vec![2], vec![3]],
        };
        let mut book = sorted_book(&world);
        let ids: Vec<PersonId> = (0..4).map(|p| person_of(&book, p, 0)).collect();
        // Face of photo 3 was taken away from person ids[3]... then ids[3] is merged into ids[0].
        book.move_faces(&[FaceKey::new(3, 0)], MoveTo::Person(ids[2]))
            .unwrap();
        let before = (book.people.clone(), book.faces.clone());
        let names = [0, 1].map(|i| book.person(ids[i]).unwrap().display_name());
        let target = book.merge(&[ids[0], ids[1]], Some("Family")).unwrap();
        assert_eq!(target, ids[0]);
        // Under a new name, the kept person's old one is kept for Undo's label.
        assert_eq!(
            book.undoable(),
            Some(&EditKind::Merge {
                merged: vec![names[1].clone()],
                into: "Family".into(),
                renamed_from: Some(names[0].clone()),
            })
        );
        let old: EditKind =
            serde_json::from_str(r#"{"Merge":{"merged":["Person 2"],"into":"Ann"}}"#).unwrap();
        assert!(matches!(
            old,
            EditKind::Merge {
                renamed_from: None,
                ..
            }
        ));
        assert!(book.person(ids[1]).is_none());
        assert_eq!(book.faces_of(ids[0]).len(), 2);
        assert_eq!(book.person(ids[0]).unwrap().display_name(), "Family");
        assert_eq!(book.merge(&[ids[0]], None), Err(EditError::TooFewToMerge));

        book.undo().unwrap();
        assert_eq!((book.people.clone(), book.faces.clone()), before);
        book.redo().unwrap();
        assert_eq!(book.faces_of(ids[0]).len(), 2);
        assert_eq!(book.redo(), Err(EditError::NothingToRedo));
    }

    #[test]
    fn a_removed_face_is_never_given_back_even_after_a_merge() {
        // Photo 2 shows person 0 but the user says it is not them.
        let mut world = World {
            photos: vec![vec![0], vec![0], vec![0], vec![1]],
        };
        let mut book = sorted_book(&world);
        let ann = person_of(&book, 0, 0);
        book.rename(ann, "Ann").unwrap();
        book.remove_faces(&[FaceKey::new(2, 0)]).unwrap();
        assert_eq!(book.unassigned(), vec![FaceKey::new(2, 0)]);
        assert_eq!(book.face(FaceKey::new(2, 0)).unwrap().rejected, vec![ann]);

        // Later photos: new faces of Ann join her; the removed one does not.
        world.photos.extend([vec![0], vec![1]]);
        world.regroup(&mut book);
        assert_eq!(person_of(&book, 4, 0), ann);
        assert_ne!(person_of(&book, 2, 0), ann);
        assert!(!book.face(FaceKey::new(4, 0)).unwrap().confirmed);
        book.settle();

        // Merged into someone else, Ann's rejection follows her faces.
        let bob = person_of(&book, 3, 0);
        book.rename(bob, "Bob").unwrap();
        book.merge(&[bob, ann], Some("Ann")).unwrap();
        assert!(book
            .face(FaceKey::new(2, 0))
            .unwrap()
            .rejected
            .contains(&bob));
        book.remove_faces(&[FaceKey::new(2, 0)]).ok();
        world.photos.push(vec![0]);
        world.regroup(&mut book);
        assert_ne!(book.person_of(FaceKey::new(2, 0)), Some(bob));
        assert!(
            book.person_of(FaceKey::new(2, 0)).is_some(),
            "placed elsewhere"
        );
    }

    #[test]
    fn user_confirmed_faces_stay_where_the_user_put_them() {
        let mut world = World {
            photos: vec![vec![0], vec![0], vec![1]],
        };
        let mut book = sorted_book(&world);
        // The user says photo 1 shows person 1 (the machine thought person 0).
        let one = person_of(&book, 2, 0);
        book.move_faces(&[FaceKey::new(1, 0)], MoveTo::Person(one))
            .unwrap();
        let state = book.face(FaceKey::new(1, 0)).unwrap().clone();
        assert!(state.confirmed);
        world.photos.extend([vec![0], vec![1]]);
        for _ in 0..2 {
            world.regroup(&mut book);
            assert_eq!(book.face(FaceKey::new(1, 0)), Some(&state));
        }
        // A split into a new person settles the source and never reuses ids.
        let zero = person_of(&book, 0, 0);
        let new = book
            .move_faces(&[FaceKey::new(0, 0)], MoveTo::NewPerson)
            .unwrap();
        assert!(book.person(zero).is_some(), "person 0 still has photo 3");
        assert!(new.0 >= 2);
        book.undo().unwrap();
        assert!(book.person(new).is_none());
        let again = book
            .move_faces(&[FaceKey::new(0, 0)], MoveTo::NewPerson)
            .unwrap();
        assert_ne!(again, new, "an undone person's id is not reused");
    }

    #[test]
    fn a_named_new_person_is_one_edit() {
        let world = World {
            photos: vec![vec![0], vec![0], vec![1]],
        };
        let mut book = sorted_book(&world);
        let keys = [FaceKey::new(0, 0), FaceKey::new(1, 0)];
        let other = person_of(&book, 2, 0);
        let taken = book.person(other).unwrap().display_name();
        assert!(matches!(
            book.new_person(&keys, &taken),
            Err(EditError::NameTaken(_))
        ));
        let me = book.new_person(&keys, "Me").unwrap();
        assert_eq!(book.faces_of(me), keys.to_vec());
        assert_eq!(book.person(me).unwrap().display_name(), "Me");
        book.undo().unwrap();
        assert!(book.person(me).is_none());
        assert_eq!(book.undo(), Err(EditError::NothingToUndo));
    }

    /// A search's matches can reach into anyone's album: the edit says which
    /// people the user named gave up faces (numbered people are not their work).
    #[test]
    fn a_new_person_names_the_named_people_it_took_faces_from() {
        let world = World {
            photos: vec![vec![0, 1], vec![0], vec![1], vec![2]],
        };
        let mut book = sorted_book(&world);
        let ann = person_of(&book, 0, 0);
        book.rename(ann, "Ann").unwrap();
        let keys = [FaceKey::new(0, 0), FaceKey::new(1, 0), FaceKey::new(3, 0)];
        book.new_person(&keys, "Me").unwrap();
        assert_eq!(
            book.undoable(),
            Some(&EditKind::NewPerson {
                faces: 3,
                name: "Me".into(),
                taken_from: vec![FacesFrom {
                    person: "Ann".into(),
                    faces: 2
                }],
            })
        );
        // Edits saved before this was kept read back with nobody named.
        let old: EditKind =
            serde_json::from_str(r#"{"NewPerson":{"faces":2,"name":"Me"}}"#).unwrap();
        assert!(matches!(old, EditKind::NewPerson { taken_from, .. } if taken_from.is_empty()));
    }

    #[test]
    fn emptied_people_disappear_and_hiding_is_an_edit() {
        let world = World {
            photos: vec![vec![0], vec![1]],
        };
        let mut book = sorted_book(&world);
        let (a, b) = (person_of(&book, 0, 0), person_of(&book, 1, 0));
        book.move_faces(&[FaceKey::new(1, 0)], MoveTo::Person(a))
            .unwrap();
        assert!(book.person(b).is_none());
        book.set_hidden(a, true).unwrap();
        assert!(book.person(a).unwrap().hidden);
        assert_eq!(
            book.undoable(),
            Some(&EditKind::Hide {
                person: book.person(a).unwrap().display_name()
            })
        );
        book.undo().unwrap();
        book.undo().unwrap();
        assert!(book.person(b).is_some() && !book.person(a).unwrap().hidden);
        assert_eq!(book.undo(), Err(EditError::NothingToUndo));
    }

    #[test]
    fn dirty_records_round_trip_to_an_equal_book() {
        let world = World {
            photos: vec![vec![0, 1], vec![1], vec![2]],
        };
        let mut book = Book::default();
        // A store that applies every Dirty, as IndexedDB does.
        let mut people: BTreeMap<PersonId, Person> = BTreeMap::new();
        let mut faces: BTreeMap<FaceKey, FaceState> = BTreeMap::new();
        let mut edits: BTreeMap<u64, Edit> = BTreeMap::new();
        let mut counters = Counters::default();
        let mut persist = |book: &mut Book| {
            let d = book.take_dirty();
            for (id, p) in d.people {
                match p {
                    Some(p) => people.insert(id, p),
                    None => people.remove(&id),
                };
            }
            for (k, f) in d.faces {
                match f {
                    Some(f) => faces.insert(k, f),
                    None => faces.remove(&k),
                };
            }
            for e in d.edits_written {
                edits.insert(e.seq, e);
            }
            for s in d.edits_deleted {
                edits.remove(&s);
            }
            counters = d.counters;
            (
                people.clone(),
                faces.clone(),
                edits.clone(),
                counters.clone(),
            )
        };
        world.regroup(&mut book);
        book.settle();
        persist(&mut book);
        let a = person_of(&book, 0, 0);
        book.rename(a, "Ann").unwrap();
        persist(&mut book);
        book.merge(&[a, person_of(&book, 1, 0)], None).unwrap();
        persist(&mut book);
        book.undo().unwrap();
        persist(&mut book);
        book.set_hidden(a, true).unwrap(); // drops the undone merge
        let (people, faces, edits, counters) = persist(&mut book);
        assert_eq!(edits.len(), 2);

        let mut reopened = Book::from_parts(
            people.into_values().collect(),
            faces.into_iter().collect(),
            edits.into_values().collect(),
            counters,
        );
        assert_eq!(reopened.people, book.people);
        assert_eq!(reopened.faces, book.faces);
        assert_eq!(reopened.undoable(), book.undoable());
        reopened.undo().unwrap();
        reopened.undo().unwrap();
        assert_eq!(
            reopened.person(a).unwrap().display_name(),
            "Person 2".replace('2', &(a.0 + 1).to_string())
        );
    }

    /// All of person 0's faces moved to a new person N; later photos join N;
    /// then the move is undone, which removes N.
    fn undo_after_faces_joined() -> (Book, World, PersonId) {
        let mut world = World {
            photos: vec![vec![0], vec![0], vec![0], vec![1]],
        };
        let mut book = sorted_book(&world);
        let all: Vec<FaceKey> = (0..3).map(|p| FaceKey::new(p, 0)).collect();
        let n = book.move_faces(&all, MoveTo::NewPerson).unwrap();
        world.photos.extend([vec![0], vec![0]]);
        world.regroup(&mut book);
        book.settle();
        assert_eq!(
            book.person_of(FaceKey::new(4, 0)),
            Some(n),
            "new faces join N"
        );
        book.undo().unwrap();
        (book, world, n)
    }

    #[test]
    fn undoing_a_person_away_unassigns_faces_that_joined_them_since() {
        let (mut book, world, n) = undo_after_faces_joined();
        assert!(book.person(n).is_none());
        assert_eq!(
            book.unassigned(),
            vec![FaceKey::new(4, 0), FaceKey::new(5, 0)]
        );
        let nowhere = |b: &Book| {
            b.faces
                .values()
                .any(|f| f.person.is_some_and(|p| b.person(p).is_none()))
        };
        // Redo brings N back with the faces it moved.
        let mut redone = book.clone();
        redone.redo().unwrap();
        assert_eq!(redone.faces_of(n).len(), 3);
        assert!(!nowhere(&redone));
        // Unassigned faces can be edited, and the next grouping places them.
        book.new_person(&[FaceKey::new(4, 0)], "Zed").unwrap();
        book.undo().unwrap();
        assert!(!nowhere(&book));
        world.regroup(&mut book);
        assert_eq!(
            book.person_of(FaceKey::new(4, 0)),
            book.person_of(FaceKey::new(0, 0))
        );
        assert!(book.unassigned().is_empty());
    }

    #[test]
    fn people_brought_back_by_undo_stay_settled() {
        let world = World {
            photos: vec![vec![0], vec![1]],
        };
        let mut book = Book::default();
        world.regroup(&mut book); // a run in progress: provisional people
        let a = person_of(&book, 0, 0);
        book.rename(a, "Ann").unwrap();
        book.settle(); // the run ends
        book.undo().unwrap();
        assert!(!book.person(a).unwrap().provisional);
    }

    #[test]
    fn default_names_of_people_yet_to_come_are_reserved() {
        let mut world = World {
            photos: vec![vec![0]],
        };
        let mut book = sorted_book(&world);
        let a = person_of(&book, 0, 0);
        assert!(matches!(
            book.rename(a, "person 2"),
            Err(EditError::ReservedName(_))
        ));
        assert!(matches!(
            book.rename(a, "Person 0"),
            Err(EditError::ReservedName(_))
        ));
        // Their own default, as a name: it names them; once is enough.
        book.rename(a, "Person 1").unwrap();
        assert!(book.person(a).unwrap().name.is_some());
        assert!(matches!(
            book.rename(a, "Person 1"),
            Err(EditError::SameName(_))
        ));
        book.rename(a, "Person 2b").unwrap();
        world.photos.push(vec![1]);
        world.regroup(&mut book);
        let mut names: Vec<String> = book.people().map(|p| p.display_name()).collect();
        names.sort();
        assert_eq!(names, ["Person 2", "Person 2b"]);
    }

    #[test]
    fn lost_counters_never_reuse_ids() {
        let world = World {
            photos: vec![vec![0], vec![1]],
        };
        let mut book = sorted_book(&world);
        book.rename(person_of(&book, 0, 0), "Ann").unwrap();
        let people: Vec<Person> = book.people().cloned().collect();
        let faces: Vec<(FaceKey, FaceState)> =
            book.faces.iter().map(|(k, f)| (*k, f.clone())).collect();
        let history = book.history.iter().map(|e| Edit::clone(e)).collect();
        let mut reopened = Book::from_parts(people, faces, history, Counters::default());
        assert_eq!(reopened.counters.next_seq, 1);
        let n = reopened
            .move_faces(&[FaceKey::new(0, 0)], MoveTo::NewPerson)
            .unwrap();
        assert!(book.person(n).is_none(), "{n:?} is an existing person's id");
    }

    #[test]
    fn a_failed_save_is_retried_by_the_next() {
        let world = World {
            photos: vec![vec![0]],
        };
        let mut book = Book::default();
        world.regroup(&mut book);
        let failed = book.take_dirty();
        assert!(!failed.is_empty());
        book.keep_dirty(failed.clone());
        book.rename(person_of(&book, 0, 0), "Ann").unwrap();
        let next = book.take_dirty();
        assert_eq!(next.faces, failed.faces);
        assert_eq!(next.edits_written.len(), 1);
    }

    #[test]
    fn history_is_bounded() {
        let world = World {
            photos: vec![vec![0]],
        };
        let mut book = sorted_book(&world);
        let a = person_of(&book, 0, 0);
        for i in 0..HISTORY_LIMIT + 5 {
            book.set_hidden(a, i % 2 == 0).unwrap();
        }
        let dirty = book.take_dirty();
        assert_eq!(book.history.len(), HISTORY_LIMIT);
        assert_eq!(dirty.edits_written.len(), HISTORY_LIMIT);
        assert!(
            dirty.edits_deleted.is_empty(),
            "never-written edits need no deleting"
        );
    }

    #[test]
    fn edits_saved_as_sentences_still_read_and_new_ones_are_data() {
        let old = r#"{"seq":3,"label":"rename Person 1 to Ann","changes":[]}"#;
        let edit: Edit = serde_json::from_str(old).unwrap();
        assert_eq!(
            edit.what,
            EditKind::Described("rename Person 1 to Ann".into())
        );
        let new = Edit {
            seq: 4,
            what: EditKind::Hide {
                person: "Ann".into(),
            },
            changes: Vec::new(),
        };
        let json = serde_json::to_string(&new).unwrap();
        assert!(!json.contains("label"), "{json}");
        assert_eq!(serde_json::from_str::<Edit>(&json).unwrap(), new);
    }

    #[test]
    fn a_rolled_back_correction_leaves_no_trace() {
        let world = World {
            photos: vec![vec![0], vec![0], vec![1]],
        };
        let mut book = sorted_book(&world);
        let a = person_of(&book, 0, 0);
        book.rename(a, "Ann").unwrap();
        book.take_dirty();
        let before = (
            book.people.clone(),
            book.faces.clone(),
            book.history.len(),
            book.counters.clone(),
        );
        for correction in [
            Correction::Move {
                faces: vec![FaceKey::new(0, 0), FaceKey::new(1, 0)],
                from: Some(a),
                to: MoveTo::NewPerson,
            },
            Correction::Undo,
            Correction::Merge {
                people: vec![a, person_of(&book, 2, 0)],
                name: Some("Both".into()),
            },
        ] {
            book.begin();
            book.apply(&correction).unwrap();
            assert!(!book.take_dirty().is_empty());
            book.rollback();
            let after = (
                book.people.clone(),
                book.faces.clone(),
                book.history.len(),
                book.counters.clone(),
            );
            assert_eq!(after, before, "{correction:?}");
            assert!(book.take_dirty().is_empty(), "{correction:?}");
        }
        // Committed, it stays, and says what it did.
        book.begin();
        let applied = book
            .apply(&Correction::SetHidden {
                person: a,
                hidden: true,
            })
            .unwrap();
        book.commit();
        assert_eq!(
            applied,
            Applied::Made {
                what: EditKind::Hide {
                    person: "Ann".into()
                },
                person: Some(a)
            }
        );
        assert!(book.person(a).unwrap().hidden);
    }

    #[test]
    fn corrections_act_only_on_faces_still_where_they_were_picked() {
        let world = World {
            photos: vec![vec![0], vec![0], vec![1]],
        };
        let mut book = sorted_book(&world);
        let (a, b) = (person_of(&book, 0, 0), person_of(&book, 2, 0));
        // Photo 2's face is b's, not a's: only photo 0's face moves.
        let applied = book
            .apply(&Correction::Move {
                faces: vec![FaceKey::new(0, 0), FaceKey::new(2, 0)],
                from: Some(a),
                to: MoveTo::NewPerson,
            })
            .unwrap();
        let Applied::Made {
            what: EditKind::Move { faces: 1, .. },
            person: Some(new),
        } = applied
        else {
            panic!("{applied:?}")
        };
        assert_eq!(book.faces_of(new), vec![FaceKey::new(0, 0)]);
        assert_eq!(book.person_of(FaceKey::new(2, 0)), Some(b));
        let name = book.person(new).unwrap().display_name();
        assert_eq!(
            book.apply(&Correction::Undo).unwrap(),
            Applied::Undone(EditKind::Move { faces: 1, to: name })
        );
    }

    #[test]
    fn a_finished_run_numbers_its_people_by_size_in_grid_order() {
        // The smallest person arrives first and the largest last, and the
        // groups form over several groupings, as while photos arrive.
        let mut world = World {
            photos: vec![vec![2], vec![1], vec![1]],
        };
        let mut book = Book::default();
        world.regroup(&mut book);
        world.photos.extend([vec![0], vec![0], vec![0], vec![2, 1]]);
        world.regroup(&mut book);
        world.photos.extend([vec![0], vec![3]]);
        world.regroup(&mut book);
        book.settle();
        let grid = |b: &Book| {
            let mut people: Vec<(usize, PhotoId, String)> = b
                .people()
                .map(|p| {
                    let faces = b.faces_of(p.id);
                    let photos: BTreeSet<PhotoId> = faces.iter().map(|k| k.photo).collect();
                    (photos.len(), *photos.first().unwrap(), p.display_name())
                })
                .collect();
            people.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            people.into_iter().map(|p| p.2).collect::<Vec<_>>()
        };
        assert_eq!(
            grid(&book),
            ["Person 1", "Person 2", "Person 3", "Person 4"]
        );
        assert!(book.people().all(|p| !p.provisional));
        // Everyone keeps their faces: person 0's four photos are together.
        assert_eq!(book.faces_of(person_of(&book, 3, 0)).len(), 4);

        // Later runs number newcomers after everyone the library has, and a
        // number an edit mentions is never given again.
        let ann = person_of(&book, 3, 0);
        book.rename(ann, "Ann").unwrap();
        let bob = person_of(&book, 1, 0);
        book.merge(&[ann, bob], None).unwrap();
        world.photos.extend([vec![4], vec![4], vec![5]]);
        world.regroup(&mut book);
        book.settle();
        let newcomer = person_of(&book, 10, 0);
        assert_ne!(newcomer, bob, "the merged-away person's number is reused");
        assert!(newcomer.0 >= 4);
    }

    #[test]
    fn placing_adds_new_faces_to_the_people_so_far_and_re_forming_ends_as_at_once() {
        let mut world = World {
            photos: vec![vec![0], vec![0], vec![1]],
        };
        let mut book = Book::default();
        world.regroup(&mut book); // re-forms: two provisional people
        let (zero, one) = (person_of(&book, 0, 0), person_of(&book, 2, 0));
        // Placing: new faces join the provisional people, who keep theirs.
        world.photos.extend([vec![0], vec![1, 2], vec![2]]);
        let request = book.placing_request(world.keys(), 1, None);
        assert_eq!(
            request.faces.len(),
            4,
            "only never-grouped faces are placed"
        );
        assert!(
            request.known.iter().all(|(_, f)| f.len() == 1),
            "one face per person"
        );
        let mut job = world.job(&request);
        job.nearest_people = Some(1);
        book.apply_regroup(&request, &job.run().unwrap());
        assert_eq!(person_of(&book, 3, 0), zero);
        assert_eq!(person_of(&book, 4, 0), one);
        assert_eq!(
            person_of(&book, 0, 0),
            zero,
            "a known provisional person keeps their faces"
        );
        let newcomer = person_of(&book, 4, 1);
        assert!(newcomer != zero && newcomer != one);
        assert_eq!(person_of(&book, 5, 0), newcomer);
        // Re-forming then settling gives what grouping all at once gives.
        world.regroup(&mut book);
        book.settle();
        assert_as_at_once(&book, &world);
    }

    #[test]
    fn a_window_re_forms_only_the_latest_faces_and_settling_refines_the_run() {
        let mut world = World {
            photos: vec![vec![0], vec![0], vec![1]],
        };
        let mut book = Book::default();
        world.regroup(&mut book);
        let zero = person_of(&book, 0, 0);
        world.photos.extend([vec![0], vec![1, 2], vec![2]]);
        let keys = world.keys();
        // The latest three faces (photos 4 and 5) are the window.
        let request = book.window_request(keys[..4].iter().copied(), keys[4..].iter().copied());
        assert_eq!(request.faces, keys[4..].to_vec());
        assert_eq!(
            request.known.iter().map(|(_, f)| f.len()).sum::<usize>(),
            3,
            "older grouped faces are known; photo 3's face was never grouped"
        );
        let job = world.job(&request);
        book.apply_regroup(&request, &job.run().unwrap());
        assert_eq!(
            person_of(&book, 0, 0),
            zero,
            "older faces keep their person"
        );
        assert_eq!(person_of(&book, 4, 0), person_of(&book, 2, 0));
        assert!(book.person_of(FaceKey::new(3, 0)).is_none());

        // Settling refines the run's people from where they stand, through
        // serde as on its way to a worker, and ends as grouping at once.
        let request = book.regroup_request(world.keys());
        let mut job = world.job(&request);
        job.start = Some(book.starting_groups(&request));
        let job: GroupingJob = serde_json::from_str(&serde_json::to_string(&job).unwrap()).unwrap();
        assert!(job.start.is_some());
        book.apply_regroup(&request, &job.run().unwrap());
        book.settle();
        assert_as_at_once(&book, &world);
    }

    #[test]
    fn placing_with_neighbourhoods_sends_only_the_people_near_the_new_faces() {
        let mut world = World {
            photos: vec![vec![0], vec![0], vec![1], vec![1], vec![2], vec![2]],
        };
        let mut book = Book::default();
        world.regroup(&mut book);
        world.photos.extend([vec![0], vec![0]]);
        let mut hoods = FaceHoods::new(2);
        for key in world.keys() {
            hoods.add(key, &world.face(key));
        }
        let all = book.placing_request(world.keys(), 8, None);
        assert_eq!(all.known.len(), 3);
        let near = book.placing_request(world.keys(), 8, Some(&hoods));
        assert_eq!(near.faces, all.faces);
        assert_eq!(
            near.known.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
            vec![person_of(&book, 0, 0)]
        );
        // Everyone not sent keeps their faces.
        let job = world.job(&near);
        book.apply_regroup(&near, &job.run().unwrap());
        assert_eq!(person_of(&book, 6, 0), person_of(&book, 0, 0));
        for photo in [2, 4] {
            let p = person_of(&book, photo, 0);
            assert!(book.person(p).is_some(), "person {p:?} was dropped");
            assert_eq!(book.faces_of(p).len(), 2);
        }
    }
}
