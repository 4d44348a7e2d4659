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
from os import PathLike

import networkx as nx
import numpy as np

from supercoherence.checks import check_nonnegative, check_positive_int
from supercoherence.errors import GraphError
from supercoherence.randomness import Seed, as_generator

__all__ = [
    "GraphSpec",
    "REQUIRED_NODE_ATTRIBUTES",
    "balanced_tree",
    "cais_chain",
    "load_graphml",
    "random_tree",
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
    try:
        graph = nx.read_graphml(path)
    except (OSError, nx.NetworkXError, ValueError) as exc:  # ElementTree errors are ValueError-like
        raise GraphError(f"{path}: cannot read GraphML ({exc})") from exc
    except Exception as exc:  # xml.etree.ElementTree.ParseError
        raise GraphError(f"{path}: cannot read GraphML ({exc})") from exc
    return validate_nesting(graph, source=str(path))


def _number(node, name: str, value, *, low: float, high: float = math.inf) -> float:
    ok = isinstance(value, numbers.Real | np.integer | np.floating) and not isinstance(value, bool)
    if not ok or not (low <= float(value) <= high):
        raise GraphError(
            f"node {node!r}: attribute {name!r} = {value!r} must be a number in [{low}, {high}]"
        )
    return float(value)


def _root_of(graph: nx.DiGraph, where: str) -> object:
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
    where = f"{source}: " if source else ""
    if not isinstance(graph, nx.Graph):
        raise GraphError(f"{where}expected a networkx DiGraph, got {type(graph).__name__}")
    if not graph.is_directed():
        raise GraphError(f"{where}the graph is undirected; a nesting needs directed edges")
    root = _root_of(graph, where)
    depth = nx.single_source_shortest_path_length(graph, root)
    order = list(nx.bfs_tree(graph, root))
    new = {old: i for i, old in enumerate(order)}
    out = nx.DiGraph()
    for old in order:
        data = graph.nodes[old]
        for name in REQUIRED_NODE_ATTRIBUTES:
            if name not in data:
                raise GraphError(f"{where}node {old!r}: missing attribute {name!r}")
        level = data.get("level", depth[old])
        if isinstance(level, float) and level.is_integer():
            level = int(level)
        if isinstance(level, bool) or not isinstance(level, numbers.Integral) or level < 0:
            raise GraphError(
                f"{where}node {old!r}: attribute 'level' = {level!r} must be an int >= 0"
            )
        out.add_node(
            new[old],
            label=str(old),
            resources=_number(old, "resources", data["resources"], low=0.0),
            level=int(level),
            age=_number(old, "age", data.get("age", 0.0), low=0.0),
            alignment_with_original=_number(
                old,
                "alignment_with_original",
                data.get("alignment_with_original", 1.0),
                low=-1.0,
                high=1.0,
            ),
        )
    out.add_edges_from((new[u], new[v]) for u, v in graph.edges())
    return out
