//! What one import brings in: the rows of people.csv and vehicles.csv, every one valid.

use super::people::PersonRow;
use super::vehicles::VehicleRow;

/// Everything one import brings in, every row valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSet {
    /// The rows of people.csv, in file order.
    pub people: Vec<PersonRow>,
    /// The rows of vehicles.csv, in file order.
    pub vehicles: Vec<VehicleRow>,
    /// Every household code people.csv names, in order of first appearance.
    pub households: Vec<String>,
}
