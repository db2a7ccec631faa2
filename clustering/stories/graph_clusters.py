"""Stories from a sparse distance graph: HDBSCAN through its public API, and the repairs after it (members
too far from their story dropped, near noise joined, two lone articles paired, noise made stories of one).

The graph is made mutual reachability here (where a row with fewer neighbours than ``min_samples`` and a
corpus in disconnected parts are handled) and handed to ``hdbscan.hdbscan``'s sparse precomputed entry point.
"""

from __future__ import annotations

import numpy as np
from hdbscan import hdbscan
from scipy import sparse
from scipy.sparse import csgraph

# Stand-in for a zero distance inside the sparse graph, where an explicit zero would read as "no edge".
TINY_DISTANCE = 1e-12


def edges(graph: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both directions of every edge: (source, target, distance), distances as stored (zeros restored)."""
    coo = graph.tocoo()
    distance = np.where(coo.data <= TINY_DISTANCE, 0.0, coo.data)
    return coo.row.astype(np.int64), coo.col.astype(np.int64), distance


def hdbscan_labels(
    graph: sparse.csr_matrix,
    min_cluster_size: int,
    min_samples: int,
    selection_method: str,
    selection_epsilon: float,
    allow_single_cluster: bool,
) -> np.ndarray:
    """HDBSCAN on a sparse distance graph: mutual reachability computed here, then HDBSCAN's minimum
    spanning tree, single linkage and cluster selection. Disconnected parts are joined above every real
    distance (HDBSCAN refuses a disconnected sparse graph)."""
    count = graph.shape[0]
    source, target, distance = edges(graph)
    # Core distance: the distance to the min_samples-th nearest neighbour in the graph (as HDBSCAN's);
    # a row with fewer neighbours takes its farthest.
    order = np.lexsort((distance, source))
    rank = np.arange(len(order)) - graph.indptr[source[order]]
    wanted = np.minimum(min_samples, np.diff(graph.indptr))[source[order]] - 1
    nth = order[rank == wanted]
    core = np.zeros(count)
    core[source[nth]] = distance[nth]
    reach = np.maximum(distance, np.maximum(core[source], core[target]))
    mutual = sparse.csr_matrix((np.maximum(reach, TINY_DISTANCE), (source, target)), shape=(count, count))
    parts, part_of = csgraph.connected_components(mutual, directed=False)
    if parts > 1:
        leaders = np.unique(part_of, return_index=True)[1]
        bridge = 2.0 * max(1.0, float(reach.max(initial=1.0)))
        links = sparse.csr_matrix((np.full(parts - 1, bridge), (leaders[:-1], leaders[1:])), shape=(count, count))
        mutual = mutual + links
    # The graph is already mutual reachability: HDBSCAN's own with min_samples=1 takes each row's
    # nearest entry as its core distance, which no entry is below, so it keeps every distance as is.
    labels, *_ = hdbscan(
        mutual.maximum(mutual.T),
        min_cluster_size=min_cluster_size,
        min_samples=1,
        metric="precomputed",
        cluster_selection_method=selection_method,
        allow_single_cluster=allow_single_cluster,
        cluster_selection_epsilon=selection_epsilon,
    )
    return np.asarray(labels)


def coherent(labels: np.ndarray, graph: sparse.csr_matrix, link: float, min_size: int) -> np.ndarray:
    """Drop from each cluster the members farther than ``link`` from every other member; dissolve what
    is left if it falls below ``min_size``."""
    source, target, distance = edges(graph)
    same = (labels[source] >= 0) & (labels[source] == labels[target])
    nearest_member = np.full(len(labels), np.inf)
    np.minimum.at(nearest_member, source[same], distance[same])
    result = labels.copy()
    result[(labels >= 0) & (nearest_member > link)] = -1
    for label in set(result[result >= 0].tolist()):
        if np.count_nonzero(result == label) < min_size:
            result[result == label] = -1
    return result


def nearest_within(
    graph: sparse.csr_matrix, sources: np.ndarray, targets: np.ndarray, limit: float
) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``sources`` (a mask) with a row of ``targets`` closer than ``limit``: the nearest one."""
    source, target, distance = edges(graph)
    usable = sources[source] & targets[target] & (distance < limit)
    source, target, distance = source[usable], target[usable], distance[usable]
    order = np.lexsort((target, distance, source))  # nearest first; ties to the earliest article
    first = order[np.unique(source[order], return_index=True)[1]]
    return source[first], target[first]


def join_near_noise(labels: np.ndarray, graph: sparse.csr_matrix, limit: float) -> np.ndarray:
    """Give each noise point the label of its nearest clustered neighbour, when that is closer than ``limit``."""
    noise, nearest = nearest_within(graph, labels < 0, labels >= 0, limit)
    joined = labels.copy()
    joined[noise] = labels[nearest]
    return joined


def pair_up_lone(labels: np.ndarray, graph: sparse.csr_matrix, limit: float) -> np.ndarray:
    """Two lone articles (stories of one) that are each other's nearest and closer than ``limit`` become a
    story of two: HDBSCAN forms no story smaller than its minimum size."""
    sizes = np.bincount(labels)
    lone = sizes[labels] == 1
    source, target, distance = edges(graph)
    order = np.lexsort((target, distance, source))
    first = order[np.unique(source[order], return_index=True)[1]]
    nearest = np.full(len(labels), -1)
    nearest[source[first]] = target[first]
    gap = np.full(len(labels), np.inf)
    gap[source[first]] = distance[first]
    result = labels.copy()
    for article in np.flatnonzero(lone & (gap < limit)):
        other = nearest[article]
        if other > article and lone[other] and nearest[other] == article:
            result[other] = result[article]
    return result


def singletons_for_noise(labels: np.ndarray) -> np.ndarray:
    """Renumber stories in order of first appearance; each noise point gets a story of its own."""
    renumbered = np.empty_like(labels)
    mapping: dict[int, int] = {}
    for index, label in enumerate(labels):
        key = int(label) if label >= 0 else -(index + 1)
        renumbered[index] = mapping.setdefault(key, len(mapping))
    return renumbered
