"""`Process`: what one process of the ledger holds, built once from `Settings`.

* the write model, `Ledger`, on the store the settings name (SQLite or PostgreSQL);
* the tables beside its events and the stores on them: API keys, idempotency and the
  signing keys of the authority and the providers;
* the views' store, `ViewStore` (their SQL dialect on the ledger's connections, and
  the channel on which the read model and the followers of this process wake each
  other), shared by:
* the read model, `ReadModel`, over the views (made on first use, so that commands
  which never read a view do not create their tables);
* in the embedded mode, the follower that keeps the views up to date in this process;
* the awards as signed credentials and the issuers' status lists (`CredentialService`);
* the tamper-evident log (`TransparencyLog`): its tables beside the events, signed with
  the authority's key, appended by a follower of its own (in the embedded mode, in this
  process too);
* with ``LEDGER_READ_DATABASE_URL``, the read replicas (`ReplicaSet`): a read-only read
  model on each PostgreSQL hot standby, watched by a thread, that `public_read` sends
  the public reads to.

`close` releases them in the reverse order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from composition.log_signing import AuthorityLogSigner, authority_log_verifiers, log_origin
from ledger.application import Ledger
from ledger.application.credentials import CredentialService
from ledger.application.verification import CredentialVerifier
from ledger.config import Settings
from ledger.infrastructure.bounded_proofs import BoundedProofChecker
from ledger.infrastructure.did_web import DidWeb
from ledger.infrastructure.idempotency import IdempotencyStore
from ledger.infrastructure.issued_credentials import IssuedCredentialStore
from ledger.infrastructure.keys import KeyStore
from ledger.infrastructure.side_tables import SideTables
from ledger.infrastructure.signing_keys import SigningKeyStore, secret_source
from ledger.transparency.checkpoint import Verifier
from projections.embedded import EmbeddedProjections, save_listeners
from projections.read import ReadModel
from projections.rebuild import rebuild_changed
from projections.store import ViewStore
from projections.tlog.appender import CheckpointSigner, LogFollower
from projections.tlog.log import TransparencyLog

if TYPE_CHECKING:
    from projections.replicas import ReplicaSet

T = TypeVar("T")


@dataclass
class Process:
    settings: Settings
    ledger: Ledger
    side_tables: SideTables
    _view_store: ViewStore | None = field(default=None, repr=False)
    _read_model: ReadModel | None = field(default=None, repr=False)
    _keys: KeyStore | None = field(default=None, repr=False)
    _idempotency: IdempotencyStore | None = field(default=None, repr=False)
    _embedded: EmbeddedProjections | None = field(default=None, repr=False)
    _signing_keys: SigningKeyStore | None = field(default=None, repr=False)
    _transparency_log: TransparencyLog | None = field(default=None, repr=False)
    _credentials: CredentialService | None = field(default=None, repr=False)
    _verifier: CredentialVerifier | None = field(default=None, repr=False)
    _log_follower: LogFollower | None = field(default=None, repr=False)
    _log_thread: threading.Thread | None = field(default=None, repr=False)
    _replicas: ReplicaSet | None = field(default=None, repr=False)

    @property
    def view_store(self) -> ViewStore:
        """The views' store of this process (made on first use)."""
        if self._view_store is None:
            # A view whose tables changed with this version is rebuilt beside the
            # tables in use before this process uses it (no downtime for the others).
            self._view_store = ViewStore(self.ledger, rebuild=rebuild_changed)
        return self._view_store

    @property
    def read_model(self) -> ReadModel:
        if self._read_model is None:
            self._read_model = ReadModel(self.ledger, store=self.view_store)
        return self._read_model

    @property
    def replicas(self) -> ReplicaSet | None:
        """The read replicas ``LEDGER_READ_DATABASE_URL`` names, watched (made and
        started on first use), or ``None`` without any."""
        if self._replicas is None and self.settings.database.read_urls:
            self._replicas = open_replicas(self.ledger, self.read_model)
        return self._replicas

    def public_read(self, query: Callable[[ReadModel], T]) -> T:
        """``query`` (a public read: status, registers) on a usable read replica's read
        model, else on the primary's."""
        replicas = self.replicas
        if replicas is None:
            return query(self.read_model)
        return replicas.read(query)

    @property
    def keys(self) -> KeyStore:
        if self._keys is None:
            self._keys = KeyStore(self.side_tables)
        return self._keys

    @property
    def idempotency(self) -> IdempotencyStore:
        if self._idempotency is None:
            self._idempotency = IdempotencyStore(self.side_tables)
        return self._idempotency

    @property
    def signing_keys(self) -> SigningKeyStore:
        """The signing keys (made on first use; the secret is asked for only when a
        private key is made or read)."""
        if self._signing_keys is None:
            self._signing_keys = SigningKeyStore(
                self.side_tables,
                names=DidWeb(self.settings.signing.public_url),
                secret=secret_source(self.settings),
            )
        return self._signing_keys

    @property
    def credentials(self) -> CredentialService:
        """Awards as signed credentials, and the issuers' status lists (made on first
        use: their tables too)."""
        if self._credentials is None:
            signing = self.settings.signing
            self._credentials = CredentialService(
                self.ledger,
                keys=self.signing_keys,
                issued=IssuedCredentialStore(self.side_tables),
                revoked_awards=self.read_model.revoked_awards,
                award_pages=self.read_model.awards_after,
                public_url=signing.public_url,
                status_list_ttl=timedelta(seconds=signing.status_list_ttl_seconds),
            )
        return self._credentials

    @property
    def verifier(self) -> CredentialVerifier:
        """Checks presented credentials (their proofs in bounded child processes)."""
        if self._verifier is None:
            self._verifier = CredentialVerifier(
                self.ledger,
                keys=self.signing_keys,
                credentials=self.credentials,
                proofs=BoundedProofChecker(),
            )
        return self._verifier

    @property
    def transparency_log(self) -> TransparencyLog:
        if self._transparency_log is None:
            self._transparency_log = TransparencyLog(
                self.ledger.recorder,
                self.view_store.dialect,
                self.log_signer(),
                checkpoint_interval=timedelta(
                    seconds=self.settings.projections.log_checkpoint_seconds
                ),
            )
        return self._transparency_log

    def log_signer(self) -> CheckpointSigner:
        """The authority's key for the log's checkpoints (read when a checkpoint is
        signed: a rotation takes effect at the next one)."""
        return AuthorityLogSigner(self.signing_keys, log_origin(self.settings))

    def log_verifiers(self) -> list[Verifier]:
        """The note verifier keys of every key of the authority's, current and retired:
        the log's checkpoints were signed with one of them."""
        return authority_log_verifiers(self.signing_keys, log_origin(self.settings))

    def start_embedded_projections(self) -> EmbeddedProjections:
        """The views and the log followed inside this process (stopped by `close`)."""
        if self._embedded is None:
            self._embedded = EmbeddedProjections(self.ledger, store=self.view_store).start()
        if self._log_follower is None:
            follower = self._log_follower = self.transparency_log.follower()
            save_listeners(self.ledger).append(follower.wake)
            self._log_thread = threading.Thread(
                target=follower.run, name="transparency-log", daemon=True
            )
            self._log_thread.start()
        return self._embedded

    def close(self) -> None:
        if self._log_follower is not None and self._log_thread is not None:
            self._log_follower.stop()
            self._log_thread.join(10)
            listeners = save_listeners(self.ledger)
            if self._log_follower.wake in listeners:
                listeners.remove(self._log_follower.wake)
            self._log_follower = self._log_thread = None
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None
        if self._replicas is not None:
            self._replicas.close()
            self._replicas = None
        if self._read_model is not None:
            self._read_model.close()
        self.ledger.close()


def open_replicas(ledger: Ledger, primary: ReadModel) -> ReplicaSet:
    """A read-only read model on each read replica of the ledger's settings, and the
    thread watching them (started). Nothing is created on a replica."""
    # psycopg and eventsourcing's PostgreSQL module: only where replicas are used.
    from ledger.infrastructure.postgres import replica_datastore
    from projections.replicas import Replica, ReplicaSet

    database = ledger.settings.database
    replicas: list[Replica] = []
    try:
        for settings in database.replicas():
            datastore, monitor = replica_datastore(settings)

            def close(datastore: Any = datastore, monitor: Any = monitor) -> None:
                datastore.close()
                monitor.release()

            read_model = ReadModel(ledger, store=ViewStore.on_replica(ledger, datastore))
            replicas.append(
                Replica(settings.describe(), read_model, settings, monitor, close=close)
            )
        return ReplicaSet(primary, replicas, max_lag=database.replica_max_lag).start()
    except BaseException:
        for replica in replicas:
            replica.close()
        raise


def open_process(settings: Settings) -> Process:
    """Open the store ``settings`` name (creating the ledger's tables if missing)."""
    ledger = Ledger(settings)
    try:
        return Process(settings=settings, ledger=ledger, side_tables=SideTables(ledger.recorder))
    except BaseException:
        ledger.close()
        raise
