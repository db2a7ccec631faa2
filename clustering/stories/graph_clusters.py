"""Stories from a sparse distance graph: HDBSCAN through its public API, and the repairs after it (clusters
cut where their members are far apart, small stories formed among the noise, near noise joined, noise made
stories of one).

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


def linked_groups(source: np.ndarray, target: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The group of each of ``count`` articles when ``source[k]`` and ``target[k]`` are linked, and each
    group's size."""
    links = sparse.csr_matrix((np.ones(len(source)), (source, target)), shape=(count, count))
    _, group_of = csgraph.connected_components(links, directed=False)
    return group_of, np.bincount(group_of)


def linked_parts(labels: np.ndarray, graph: sparse.csr_matrix, link: float, min_size: int) -> np.ndarray:
    """Each cluster cut into the parts its members link with distances under ``link``; a part smaller than
    ``min_size`` becomes noise. HDBSCAN's density is relative: a group it counts in a story may join it
    only far above any distance between articles of one story (two outlets on another event, or a few
    unrelated articles that are merely the least far apart)."""
    source, target, distance = edges(graph)
    inside = (labels[source] >= 0) & (labels[source] == labels[target]) & (distance < link)
    part_of, sizes = linked_groups(source[inside], target[inside], len(labels))
    result = np.where(labels >= 0, part_of, -1)
    result[(labels >= 0) & (sizes[part_of] < min_size)] = -1
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


def small_stories(labels: np.ndarray, graph: sparse.csr_matrix, limit: float) -> np.ndarray:
    """Each noise article whose nearest neighbour is noise too, and closer than ``limit``, is linked to it;
    every group so linked becomes a story. HDBSCAN forms no story smaller than its minimum size, which
    grows with the corpus: two or three outlets on one event would otherwise be a story among 20 articles
    and noise among 2,000 (then joined to whatever story is near)."""
    noise = labels < 0
    source, target = nearest_within(graph, noise, np.ones_like(noise), limit)
    linked = noise[target]
    group_of, sizes = linked_groups(source[linked], target[linked], len(labels))
    result = labels.copy()
    grouped = noise & (sizes[group_of] > 1)
    result[grouped] = int(labels.max(initial=-1)) + 1 + group_of[grouped]
    return result


def singletons_for_noise(labels: np.ndarray) -> np.ndarray:
    """Renumber stories in order of first appearance; each noise point gets a story of its own."""
    renumbered = np.empty_like(labels)
    mapping: dict[int, int] = {}
    for index, label in enumerate(labels):
        key = int(label) if label >= 0 else -(index + 1)
        renumbered[index] = mapping.setdefault(key, len(mapping))
    return renumbered
