//! The training's vocabulary: the exercises, what a card asks about and a card's key, shared by
//! the training (which makes and schedules the cards) and the store (which keeps the answers).

/// The kinds of question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exercise {
    /// A face is shown: who is it?
    FaceName,
    /// A face is shown: which household do they live in?
    FaceHousehold,
    /// A name is shown: which of four faces is theirs?
    NameFace,
    /// A household is shown: who lives there (pick all)?
    HouseholdMembers,
    /// A VIP is shown: how are they greeted, and what car do they come in?
    VipTitle,
}

impl Exercise {
    /// Every exercise, in the order they are introduced.
    pub const ALL: [Exercise; 5] = [
        Exercise::FaceName,
        Exercise::FaceHousehold,
        Exercise::NameFace,
        Exercise::HouseholdMembers,
        Exercise::VipTitle,
    ];

    /// The machine name (database, API).
    pub fn key(self) -> &'static str {
        match self {
            Exercise::FaceName => "face_name",
            Exercise::FaceHousehold => "face_household",
            Exercise::NameFace => "name_face",
            Exercise::HouseholdMembers => "household_members",
            Exercise::VipTitle => "vip_title",
        }
    }

    /// The exercise named `key`.
    pub fn from_key(key: &str) -> Option<Exercise> {
        Exercise::ALL.into_iter().find(|e| e.key() == key)
    }

    /// The exercise's name on the guard's pages.
    pub fn zh(self) -> &'static str {
        match self {
            Exercise::FaceName => "看脸认人",
            Exercise::FaceHousehold => "看脸说房号",
            Exercise::NameFace => "听名找脸",
            Exercise::HouseholdMembers => "这户住着谁",
            Exercise::VipTitle => "贵宾称呼和座驾",
        }
    }
}

/// Whom a card is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// A person, by id.
    Person(i64),
    /// A household, by id.
    Household(i64),
}

/// One card of a guard's deck: an exercise about a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CardKey {
    pub exercise: Exercise,
    pub subject: Subject,
}
