import multiprocessing
import os
import time

from clustering.ingest.clean import clean_or_reject
from clustering.ingest.parallel import Submitted, map_chunks, worker_pool
from clustering.records import Article


def _pids_and_squares(numbers):
    return [(os.getpid(), number * number) for number in numbers]


def test_chunks_run_in_other_processes_and_come_back_in_order():
    results = map_chunks(_pids_and_squares, list(range(10)), workers=2, min_items=4)
    assert [square for _, square in results] == [number * number for number in range(10)]
    assert os.getpid() not in {pid for pid, _ in results}


def test_a_small_batch_or_one_worker_stays_in_this_process():
    for workers, min_items in ((2, 100), (1, 4)):
        results = map_chunks(_pids_and_squares, list(range(10)), workers=workers, min_items=min_items)
        assert {pid for pid, _ in results} == {os.getpid()}
    assert map_chunks(_pids_and_squares, [], workers=2, min_items=0) == []


def _chunk_in_a_daemon(queue):
    queue.put(map_chunks(_pids_and_squares, list(range(10)), workers=2, min_items=4))


def test_a_daemon_process_works_alone():
    queue = multiprocessing.get_context("fork").Queue()
    daemon = multiprocessing.get_context("fork").Process(target=_chunk_in_a_daemon, args=(queue,), daemon=True)
    daemon.start()
    results = queue.get(timeout=30)
    daemon.join()
    assert {pid for pid, _ in results} == {daemon.pid}


def test_parallel_cleaning_gives_what_cleaning_in_one_process_gives():
    articles = [
        Article(
            id=f"a{number}",
            title=f"Title {number}",
            text=f"Title {number}\nShare\nBody of {number}, said AFP.\nComments\nNice",
        )
        for number in range(1200)
    ]
    assert clean_or_reject(articles, workers=2) == clean_or_reject(articles, workers=1)


def test_batches_submitted_ahead_come_back_in_order_and_an_empty_one_is_empty():
    with worker_pool(2) as pool:
        batches = [list(range(0, 7)), [], list(range(7, 30))]
        submitted = [Submitted(_pids_and_squares, batch, pool) for batch in batches]  # all started first
        results = [part.result() for part in submitted]
    assert [[square for _, square in part] for part in results] == [[n * n for n in batch] for batch in batches]
    assert os.getpid() not in {pid for part in results for pid, _ in part}
    # Without a pool, the batch is computed here when its result is asked for.
    assert Submitted(_pids_and_squares, [3], None).result() == [(os.getpid(), 9)]


def _slow_squares(numbers):
    time.sleep(0.3)
    return [number * number for number in numbers]


def test_chunks_not_started_when_the_caller_stops_are_dropped():
    with worker_pool(2) as pool:
        submitted = Submitted(_slow_squares, list(range(16)), pool)  # 8 chunks, 2 at a time
    parts = submitted._parts
    assert any(part.cancelled() for part in parts)
    assert all(part.cancelled() or part.result() for part in parts)  # the started ones finished
