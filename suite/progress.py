"""Progress bars for long work; shown on a terminal only unless the CLI says otherwise."""

from tqdm import tqdm

SHOW: bool | None = None      # None: only when stderr is a terminal


def bar(iterable=None, **kwargs) -> tqdm:
    return tqdm(iterable, disable=None if SHOW is None else not SHOW, dynamic_ncols=True, leave=False, **kwargs)
