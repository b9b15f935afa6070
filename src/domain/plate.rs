//! The grammar of Chinese licence plates: provinces, suffixes, kinds; parsing, repairing and
//! formatting a plate. One place that the importer, the plate reader and the desk all check with.
