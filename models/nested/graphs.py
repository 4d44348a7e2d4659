r"""Initial nesting graphs for the agent-based model, and their validation.

The nesting of optimizers is a rooted out-tree :math:`G = (V, E)`: an edge
:math:`u \to v` means that :math:`v` was created by :math:`u`'s search and is controlled
by :math:`u`; the unique node without a parent is the top-level optimizer.  A graph is
accepted as an initial nesting when

* it is a non-empty directed graph without cycles,
* it has exactly one node of in-degree 0 (the root) and every other node has in-degree 1
  (so :math:`|E| = |V| - 1` and every node is reachable from the root),
* every node carries the attribute ``resources`` (a finite number :math:`\ge 0`).

Optional node attributes: ``level`` (integer :math:`n \ge 0`, the capability level,
:math:`c_n = \gamma^n`; default: the node's depth, since a mesa-optimizer is spawned one
level above its parent), ``age`` (number :math:`\ge 0`, default 0) and
``alignment_with_original`` (:math:`w \cdot w_0 \in [-1, 1]`, default 1: the initial
services share the root's goal).

Builders: :func:`single_root`, :func:`balanced_tree`, :func:`cais_chain` (services that
develop services: a path root -> service -> sub-service ...), :func:`random_tree` (a
uniformly random labelled rooted tree drawn by networkx from the given seed) and
:func:`load_graphml`.  :func:`validate_nesting` checks any ``networkx`` graph and returns
a fresh, relabelled copy; it never modifies its input.

References
----------
.. [1] K. E. Drexler, *Reframing Superintelligence: Comprehensive AI Services as General
   Intelligence*, Technical Report 2019-1, Future of Humanity Institute (2019).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from os import PathLike

import networkx as nx
import numpy as np

from supercoherence.checks import check_nonnegative, check_positive_int
from supercoherence.errors import GraphError
from supercoherence.randomness import Seed, as_generator

__all__ = [
    "GraphSpec",
    "Nesting",
    "REQUIRED_NODE_ATTRIBUTES",
    "balanced_tree",
    "cais_chain",
    "load_graphml",
    "nesting_arrays",
    "random_tree",
    "read_graphml",
    "single_root",
    "validate_nesting",
]

#: Attributes every node of a user-supplied initial graph must carry.
REQUIRED_NODE_ATTRIBUTES: tuple[str, ...] = ("resources",)

#: What the model accepts as its initial graph: ``None`` (a single root), a networkx
#: graph, a GraphML path, or a callable ``rng -> graph`` (drawn from the model's seed).
GraphSpec = nx.DiGraph | str | PathLike | Callable[[np.random.Generator], nx.DiGraph] | None


def _with_resources(graph: nx.DiGraph, resources: float) -> nx.DiGraph:
    check_nonnegative("resources", resources)
    nx.set_node_attributes(graph, float(resources), "resources")
    return graph


def single_root(resources: float = 1.0) -> nx.DiGraph:
    """A nesting with one optimizer and nothing below it.

    Parameters
    ----------
    resources : float
        The root's resources (>= 0).

    Returns
    -------
    networkx.DiGraph

    Examples
    --------
    >>> g = single_root()
    >>> list(g.nodes(data=True))
    [(0, {'resources': 1.0})]
    """
    graph = nx.DiGraph()
    graph.add_node(0)
    return _with_resources(graph, resources)


def balanced_tree(branching: int, height: int, resources: float = 1.0) -> nx.DiGraph:
    """A complete ``branching``-ary tree of the given height, edges pointing away from the root.

    Parameters
    ----------
    branching : int
        Children per internal node (>= 1).
    height : int
        Number of levels below the root (>= 0).
    resources : float
        Resources of every node.

    Returns
    -------
    networkx.DiGraph
        ``(branching^(height+1) - 1) / (branching - 1)`` nodes (``height + 1`` for
        ``branching = 1``), root ``0``.

    Raises
    ------
    ParameterError
        If ``branching < 1``, ``height < 0`` or ``resources < 0``.

    Examples
    --------
    >>> g = balanced_tree(2, 2)
    >>> g.number_of_nodes(), sorted(g.successors(0))
    (7, [1, 2])
    """
    branching = check_positive_int("branching", branching)
    height = check_positive_int("height", height, minimum=0)
    graph = nx.balanced_tree(branching, height, create_using=nx.DiGraph)
    return _with_resources(graph, resources)


def cais_chain(length: int, resources: float = 1.0) -> nx.DiGraph:
    """A CAIS chain: services that develop services, ``0 -> 1 -> ... -> length - 1``.

    Every intermediate service is meta- to the one below and mesa- to the one above.

    Parameters
    ----------
    length : int
        Number of services (>= 1).
    resources : float
        Resources of every service.

    Returns
    -------
    networkx.DiGraph

    Examples
    --------
    >>> list(cais_chain(3).edges())
    [(0, 1), (1, 2)]
    """
    length = check_positive_int("length", length)
    graph = nx.path_graph(length, create_using=nx.DiGraph)
    return _with_resources(graph, resources)


def random_tree(size: int, seed: Seed = None, resources: float = 1.0) -> nx.DiGraph:
    """A uniformly random labelled rooted tree on ``size`` nodes (networkx, seeded).

    Parameters
    ----------
    size : int
        Number of nodes (>= 1).
    seed : int, Generator, SeedSequence or None
        Drives networkx's generator; pass the model's ``rng`` to tie it to the model seed.
    resources : float
        Resources of every node.

    Returns
    -------
    networkx.DiGraph
        Edges point away from the root.

    Examples
    --------
    >>> a, b = random_tree(20, seed=3), random_tree(20, seed=3)
    >>> sorted(a.edges()) == sorted(b.edges())
    True
    >>> a.number_of_edges()
    19
    """
    size = check_positive_int("size", size)
    rng = as_generator(seed)
    if size == 1:
        return single_root(resources)
    tree = nx.random_labeled_rooted_tree(size, seed=rng)
    graph = nx.bfs_tree(tree, tree.graph["root"])
    return _with_resources(graph, resources)


def load_graphml(path: str | PathLike) -> nx.DiGraph:
    """Read an initial nesting from a GraphML file and validate it.

    Parameters
    ----------
    path : str or path-like
        A GraphML file of a directed graph whose nodes carry ``resources``.

    Returns
    -------
    networkx.DiGraph
        The validated nesting, relabelled as in :func:`validate_nesting`.

    Raises
    ------
    GraphError
        If the file cannot be read as GraphML, or the graph is not a valid nesting (the
        message names the node and the attribute, or the cycle).

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "chain.graphml")
    >>> nx.write_graphml(cais_chain(3), path)
    >>> load_graphml(path).number_of_nodes()
    3
    """
    return validate_nesting(read_graphml(path), source=str(path))


def read_graphml(path: str | PathLike) -> nx.DiGraph:
    """The graph of a GraphML file, unvalidated (:class:`GraphError` if unreadable).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "g.graphml"
    >>> nx.write_graphml(nx.DiGraph([(0, 1)]), path)
    >>> sorted(read_graphml(path).edges())
    [('0', '1')]
    >>> path.write_text("not xml")
    7
    >>> read_graphml(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    supercoherence.errors.GraphError: ...g.graphml: cannot read GraphML (...)
    """
    try:
        return nx.read_graphml(path)
    except (OSError, nx.NetworkXError, ValueError) as exc:  # ElementTree errors are ValueError-like
        raise GraphError(f"{path}: cannot read GraphML ({exc})") from exc
    except Exception as exc:  # xml.etree.ElementTree.ParseError
        raise GraphError(f"{path}: cannot read GraphML ({exc})") from exc


def _number(
    node, name: str, value, *, low: float, high: float = math.inf, where: str = ""
) -> float:
    ok = isinstance(value, numbers.Real | np.integer | np.floating) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or not (low <= float(value) <= high):
        raise GraphError(
            f"{where}node {node!r}: attribute {name!r} = {value!r} must be a finite number "
            f"in [{low}, {high}]"
        )
    return float(value)


def _root_of(graph: nx.DiGraph, where: str) -> object:
    """The root of a graph known not to be a tree; raises the error that says why."""
    if graph.number_of_nodes() == 0:
        raise GraphError(f"{where}the graph is empty: a nesting needs a root")
    cycle = (
        next(iter(nx.simple_cycles(graph)), None)
        if not nx.is_directed_acyclic_graph(graph)
        else None
    )
    if cycle is not None:
        raise GraphError(f"{where}the graph has a cycle {cycle!r}; a nesting must be a tree")
    roots = [v for v, deg in graph.in_degree() if deg == 0]
    if len(roots) != 1:
        raise GraphError(
            f"{where}a nesting has exactly one root; found {len(roots)}: {roots[:5]!r}"
        )
    for node, deg in graph.in_degree():
        if deg > 1:
            parents = list(graph.predecessors(node))
            raise GraphError(
                f"{where}node {node!r} has {deg} parents {parents!r}; a nesting must be a tree"
            )
    return roots[0]


def _tree_order(graph: nx.DiGraph, where: str) -> tuple[list, list[int]]:
    """Breadth-first order from the root and each node's parent position, in one pass.

    A graph with exactly one node without a parent, every other node with exactly one,
    all reached from that root, is a rooted out-tree (no cycle can be reached from the
    root when every in-degree is at most one); anything else is handed to
    :func:`_root_of` for the error message.
    """
    pred, succ = graph._pred, graph._succ  # read-only use of networkx's adjacency
    roots = [v for v, p in pred.items() if not p]
    if len(roots) == 1 and all(len(p) <= 1 for p in pred.values()):
        order, parent = [roots[0]], [-1]
        index = {roots[0]: 0}
        i = 0
        while i < len(order):
            for child in succ[order[i]]:
                if child not in index:
                    index[child] = len(order)
                    order.append(child)
                    parent.append(i)
            i += 1
        if len(order) == graph.number_of_nodes():
            return order, parent
    _root_of(graph, where)  # raises: a cycle, several roots or two parents
    raise GraphError(f"{where}the graph is not a rooted tree")  # pragma: no cover


_FLOATS = frozenset({float, int, np.float64, np.float32, np.int64, np.int32})
_INTS = frozenset({int, np.int64, np.int32})


@dataclass(frozen=True)
class Nesting:
    """A validated initial nesting as arrays, in breadth-first order (row 0 = the root).

    Attributes
    ----------
    labels : list
        The input graph's node of each row.
    parent : numpy.ndarray
        Row of each node's parent (-1 for the root); parents precede their children.
    depth, level : numpy.ndarray
        Distance from the root; capability level (int64).
    resources, age, alignment_with_original : numpy.ndarray
        The node attributes (float64).
    """

    labels: list
    parent: np.ndarray
    depth: np.ndarray
    level: np.ndarray
    resources: np.ndarray
    age: np.ndarray
    alignment_with_original: np.ndarray

    def to_graph(self) -> nx.DiGraph:
        """The nesting as a relabelled ``networkx.DiGraph`` (see :func:`validate_nesting`)."""
        out = nx.DiGraph()
        rows = range(len(self.labels))
        out.add_nodes_from(
            (
                i,
                {
                    "label": str(label),
                    "resources": r,
                    "level": lv,
                    "age": a,
                    "alignment_with_original": c,
                },
            )
            for i, label, r, lv, a, c in zip(
                rows,
                self.labels,
                self.resources.tolist(),
                self.level.tolist(),
                self.age.tolist(),
                self.alignment_with_original.tolist(),
                strict=True,
            )
        )
        out.add_edges_from(zip(self.parent[1:].tolist(), range(1, len(self.labels)), strict=True))
        return out


def _attributes_fast(graph: nx.DiGraph, order: list, depth: np.ndarray) -> tuple | None:
    """The attribute arrays when every value is a plain in-range number, else ``None``."""
    data = graph._node
    missing = object()
    res = [data[v].get("resources", missing) for v in order]
    age = [data[v].get("age", 0.0) for v in order]
    cos = [data[v].get("alignment_with_original", 1.0) for v in order]
    lev = [data[v].get("level", missing) for v in order]
    if not (set(map(type, res)) | set(map(type, age)) | set(map(type, cos))) <= _FLOATS:
        return None
    resources, ages, cosine = (np.array(x, dtype=float) for x in (res, age, cos))
    if not (np.all(resources >= 0) and np.all(ages >= 0) and np.all(np.abs(cosine) <= 1)):
        return None  # (NaN fails every comparison)
    if np.isinf(resources).any() or np.isinf(ages).any():
        return None
    if set(map(type, lev)) - {type(missing)} - _INTS:
        return None
    level = np.array([d if x is missing else x for x, d in zip(lev, depth.tolist(), strict=True)])
    level = level.astype(np.int64)
    if level.size and level.min() < 0:
        return None
    return resources, level, ages, cosine


def _attributes_checked(graph: nx.DiGraph, order: list, depth: np.ndarray, where: str) -> tuple:
    """The attribute arrays node by node, raising the error that names node and attribute."""
    out = ([], [], [], [])
    for old, d in zip(order, depth.tolist(), strict=True):
        data = graph.nodes[old]
        for name in REQUIRED_NODE_ATTRIBUTES:
            if name not in data:
                raise GraphError(f"{where}node {old!r}: missing attribute {name!r}")
        level = data.get("level", d)
        if isinstance(level, float) and level.is_integer():
            level = int(level)
        if isinstance(level, bool) or not isinstance(level, numbers.Integral) or level < 0:
            raise GraphError(
                f"{where}node {old!r}: attribute 'level' = {level!r} must be an int >= 0"
            )
        out[0].append(_number(old, "resources", data["resources"], low=0.0, where=where))
        out[1].append(int(level))
        out[2].append(_number(old, "age", data.get("age", 0.0), low=0.0, where=where))
        out[3].append(
            _number(
                old,
                "alignment_with_original",
                data.get("alignment_with_original", 1.0),
                low=-1.0,
                high=1.0,
                where=where,
            )
        )
    return (
        np.array(out[0], dtype=float),
        np.array(out[1], dtype=np.int64),
        np.array(out[2], dtype=float),
        np.array(out[3], dtype=float),
    )


def nesting_arrays(graph: nx.Graph, *, source: str = "") -> Nesting:
    """Validate ``graph`` as an initial nesting (rules of :func:`validate_nesting`) into arrays.

    One breadth-first pass over the graph and vectorised checks of the attributes
    (linear in the number of nodes); the node-by-node checks run only to word an
    error.  The input is not modified.

    Raises
    ------
    GraphError
        As :func:`validate_nesting`.

    Examples
    --------
    >>> nest = nesting_arrays(balanced_tree(2, 1))
    >>> nest.parent.tolist(), nest.level.tolist()
    ([-1, 0, 0], [0, 1, 1])
    """
    where = f"{source}: " if source else ""
    if not isinstance(graph, nx.Graph):
        raise GraphError(f"{where}expected a networkx DiGraph, got {type(graph).__name__}")
    if not graph.is_directed():
        raise GraphError(f"{where}the graph is undirected; a nesting needs directed edges")
    if graph.number_of_nodes() == 0:
        raise GraphError(f"{where}the graph is empty: a nesting needs a root")
    order, parent_list = _tree_order(graph, where)
    parent = np.array(parent_list, dtype=np.int64)
    depth = np.zeros(parent.size, dtype=np.int64)
    for i in range(1, parent.size):  # parents precede children
        depth[i] = depth[parent[i]] + 1
    attrs = _attributes_fast(graph, order, depth)
    if attrs is None:
        attrs = _attributes_checked(graph, order, depth, where)
    resources, level, age, cosine = attrs
    return Nesting(order, parent, depth, level, resources, age, cosine)


def validate_nesting(graph: nx.Graph, *, source: str = "") -> nx.DiGraph:
    """Check that ``graph`` is a valid initial nesting and return a clean copy.

    Parameters
    ----------
    graph : networkx.DiGraph
        Edges ``u -> v`` (v created and controlled by u), node attribute ``resources``;
        optional ``level``, ``age``, ``alignment_with_original``.  An undirected graph is
        refused (the direction of control would be a guess).
    source : str
        Where the graph came from, prefixed to error messages.

    Returns
    -------
    networkx.DiGraph
        Nodes relabelled ``0, 1, ...`` in breadth-first order from the root (the root is
        ``0``), each with float ``resources``, ``age``, ``alignment_with_original``, an
        int ``level`` and the original label as ``label``.

    Raises
    ------
    GraphError
        If the graph is undirected or empty, has a cycle, has no or several roots, a node
        with two parents, or a node missing ``resources`` or with an attribute out of range.

    Examples
    --------
    >>> g = validate_nesting(balanced_tree(2, 1))
    >>> [g.nodes[v]["level"] for v in g]
    [0, 1, 1]
    >>> bad = nx.DiGraph([(0, 1), (1, 0)])
    >>> validate_nesting(bad)
    Traceback (most recent call last):
    ...
    supercoherence.errors.GraphError: the graph has a cycle [0, 1]; a nesting must be a tree
    >>> validate_nesting(nx.DiGraph([(0, 1)]))
    Traceback (most recent call last):
    ...
    supercoherence.errors.GraphError: node 0: missing attribute 'resources'
    """
    return nesting_arrays(graph, source=source).to_graph()
