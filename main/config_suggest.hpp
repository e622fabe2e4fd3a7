#pragma once

// "Did you mean" suggestions for the config loader: the closest candidate
// by edit distance, so that a typo in a key, mode or hook name is answered
// with the spelling the user most likely meant.

#include <cstddef>
#include <string>
#include <vector>

namespace ba {

/// Optimal-string-alignment distance (Levenshtein plus adjacent
/// transpositions), comparing ASCII letters case-insensitively: a key written
/// `ExcludedServices` is one the user clearly meant, so case costs nothing.
size_t edit_distance(const std::string& a, const std::string& b);

/// The candidate closest to `word`, or "" when none is within the distance a
/// typo plausibly explains: at most a third of the candidate's length, at
/// least 1, at most 3. Ties go to the earlier candidate.
std::string closest_match(const std::string& word,
                          const std::vector<std::string>& candidates);

/// The closest candidate whatever the distance (for closed sets such as
/// modes, where any answer helps more than none). "" for no candidates.
std::string nearest(const std::string& word,
                    const std::vector<std::string>& candidates);

} // namespace ba
