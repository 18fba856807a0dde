"""`Process`: what one process of the ledger holds, built once from `Settings`.

* the write model, `Ledger`, on the store the settings name (SQLite or PostgreSQL);
* the tables beside its events and the stores on them: API keys, idempotency and the
  signing keys of the authority and the providers;
* the views' store, `ViewStore` (their SQL dialect on the ledger's connections, and
  the channel on which the read model and the followers of this process wake each
  other), shared by:
* the read model, `ReadModel`, over the views (made on first use, so that commands
  which never read a view do not create their tables);
* in the embedded mode, the follower that keeps the views up to date in this process.

`close` releases them in the reverse order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger.application import Ledger
from ledger.config import Settings
from ledger.infrastructure.did_web import DidWeb
from ledger.infrastructure.idempotency import IdempotencyStore
from ledger.infrastructure.keys import KeyStore
from ledger.infrastructure.side_tables import SideTables
from ledger.infrastructure.signing_keys import SigningKeyStore, secret_source
from projections.embedded import EmbeddedProjections
from projections.read import ReadModel
from projections.store import ViewStore


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

    @property
    def view_store(self) -> ViewStore:
        """The views' store of this process (made on first use)."""
        if self._view_store is None:
            self._view_store = ViewStore(self.ledger)
        return self._view_store

    @property
    def read_model(self) -> ReadModel:
        if self._read_model is None:
            self._read_model = ReadModel(self.ledger, store=self.view_store)
        return self._read_model

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

    def start_embedded_projections(self) -> EmbeddedProjections:
        """The views followed inside this process (stopped by `close`)."""
        if self._embedded is None:
            self._embedded = EmbeddedProjections(self.ledger, store=self.view_store).start()
        return self._embedded

    def close(self) -> None:
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None
        if self._read_model is not None:
            self._read_model.close()
        self.ledger.close()


def open_process(settings: Settings) -> Process:
    """Open the store ``settings`` name (creating the ledger's tables if missing)."""
    ledger = Ledger(settings)
    try:
        return Process(settings=settings, ledger=ledger, side_tables=SideTables(ledger.recorder))
    except BaseException:
        ledger.close()
        raise
