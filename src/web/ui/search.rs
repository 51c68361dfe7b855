//! The "Find me" search's state: reference photos, the faces chosen in
//! them, and the similarity threshold. Kept by the UI ([`super::context::Ui`]).

use crate::face::embedding::Embedding;
use crate::people::search::DEFAULT_MIN_SIMILARITY;

#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    pub references: Vec<Reference>,
    pub min_similarity: f32,
}

impl Default for Search {
    fn default() -> Self {
        Search {
            references: Vec::new(),
            min_similarity: DEFAULT_MIN_SIMILARITY,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub id: u32,
    pub name: String,
    pub state: ReferenceState,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ReferenceState {
    Reading,
    Failed(String),
    Faces(Vec<ReferenceFace>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReferenceFace {
    pub crop_url: String,
    pub embedding: Embedding,
    /// Part of the search (the only face of a photo is, automatically).
    pub chosen: bool,
}

impl Search {
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
