//! The training's vocabulary: the exercises, what a card asks about and a card's key, shared by
//! the training (which makes and schedules the cards) and the store (which keeps the answers).
