//! The "Find me" search's state: reference photos, the faces chosen in
//! them, and the similarity threshold. Kept by the UI ([`super::context::Ui`]).

use crate::face::embedding::Embedding;
use crate::people::search::DEFAULT_MIN_SIMILARITY;

#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    pub references: Vec<Reference>,
    pub min_similarity: f32,
    /// Ids are never reused: a reference removed while it is read must not
    /// receive the faces of the one added after it.
    next_id: u32,
}

impl Default for Search {
    fn default() -> Self {
        Search {
            references: Vec::new(),
            min_similarity: DEFAULT_MIN_SIMILARITY,
            next_id: 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub id: u32,
    pub file: ChosenFile,
    pub state: ReferenceState,
}

/// A chosen file as it can be told apart before it is read: the same file
/// chosen twice has the same name, size and time of its last change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChosenFile {
    pub name: String,
    pub size: u64,
    pub modified_ms: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ReferenceState {
    Reading,
    Failed(String),
    Faces(Vec<ReferenceFace>),
}

/// A [`ReferenceState`] without its contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReferenceStage {
    Reading,
    Failed,
    Faces,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReferenceFace {
    pub crop_url: String,
    pub embedding: Embedding,
    /// Part of the search (the only face of a photo is, automatically).
    pub chosen: bool,
}

impl Search {
    /// Adds reference photos being read; returns their ids, in order, or
    /// `None` for a file that is a reference already: counted twice, it
    /// would weigh twice in the search.
    pub fn add(&mut self, files: impl IntoIterator<Item = ChosenFile>) -> Vec<Option<u32>> {
        files
            .into_iter()
            .map(|file| {
                if self.references.iter().any(|r| r.file == file) {
                    return None;
                }
                let id = self.next_id;
                self.next_id += 1;
                self.references.push(Reference {
                    id,
                    file,
                    state: ReferenceState::Reading,
                });
                Some(id)
            })
            .collect()
    }

    /// Takes a reference out of the search, handing it back.
    pub fn remove(&mut self, id: u32) -> Option<Reference> {
        let at = self.references.iter().position(|r| r.id == id)?;
        Some(self.references.remove(at))
    }

    pub fn chosen(&self) -> Vec<&Embedding> {
        self.references
            .iter()
            .filter_map(|r| match &r.state {
                ReferenceState::Faces(f) => Some(f),
                _ => None,
            })
            .flatten()
            .filter(|f| f.chosen)
            .map(|f| &f.embedding)
            .collect()
    }
}

impl ReferenceState {
    /// Where it is in being read: what a reference's row is drawn from.
    /// (Choosing a face is not a new stage, so its button, and the keyboard
    /// focus on it, stay.)
    pub fn stage(&self) -> ReferenceStage {
        match self {
            ReferenceState::Reading => ReferenceStage::Reading,
            ReferenceState::Failed(_) => ReferenceStage::Failed,
            ReferenceState::Faces(_) => ReferenceStage::Faces,
        }
    }

    /// Whether its face `index` is chosen.
    pub fn is_chosen(&self, index: usize) -> bool {
        matches!(self, ReferenceState::Faces(faces) if faces.get(index).is_some_and(|f| f.chosen))
    }

    /// The object URLs of its faces' crops (to revoke once it is gone).
    pub fn crop_urls(&self) -> Vec<&str> {
        match self {
            ReferenceState::Faces(faces) => faces.iter().map(|f| f.crop_url.as_str()).collect(),
            _ => Vec::new(),
        }
    }
}
