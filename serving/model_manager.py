"""Which model versions are loaded: TF Serving's file-system source + aspired-versions manager.

Every `poll_seconds` the manager lists each model's base path (version directories are named
by a number; anything else, such as an exporter's temporary directory, is ignored), picks the
versions its `model_version_policy` wants (latest N, all, or specific), loads the new ones and
then unloads the ones no longer wanted. Like TF Serving's availability-preserving policy, a
version is unloaded only once a wanted version is available, and a request that already holds
a version finishes on it. Version labels (`stable`, `canary`) map to version numbers.

Usage:
    manager = ModelManager(single_model_config("/models", "persona"))
    manager.start()                      # loads what is there, then polls in the background
    servable = manager.servable(request.model_spec)
    manager.stop()
"""
import logging
import os
import threading

import grpc
from tensorflow_serving.apis import get_model_status_pb2, status_pb2

from serving import protos
from serving.errors import ServingError, invalid_argument
from serving.servable import Servable

log = logging.getLogger(__name__)
State = get_model_status_pb2.ModelVersionStatus.State
PLATFORM = "tensorflow"


def single_model_config(model_base, name):
    """The config TF Serving builds from --model_name and --model_base_path."""
    config = protos.ModelServerConfig()
    config.model_config_list.config.add(
        name=name, base_path=os.path.abspath(os.path.join(model_base, name)),
        model_platform=PLATFORM)
    return config


def read_model_config_file(path, model_base=None):
    """Parse a models.config; with `model_base`, each base_path is re-rooted under it.

    The shipped config names container paths (/models/persona); `model_base` stands for the
    container's /models, so the same file serves a local directory.
    """
    config = protos.parse_text_file(path, protos.ModelServerConfig)
    if model_base is not None:
        for model in config.model_config_list.config:
            model.base_path = os.path.abspath(
                os.path.join(model_base, os.path.basename(model.base_path.rstrip("/"))))
    return config


def validate_config(config):
    """TF Serving's checks of a ModelConfigList (server_core.cc); raises ServingError."""
    names = set()
    for model in config.model_config_list.config:
        if model.name in names:
            raise invalid_argument(f"Illegal to list model {model.name} multiple times in "
                                   "config list")
        names.add(model.name)
        if not os.path.isabs(model.base_path):
            raise invalid_argument(f"Expected model {model.name} to have an absolute path or "
                                   f"URI; got base_path()={model.base_path}")
        if not model.model_platform:
            raise invalid_argument(
                "Illegal setting neither ModelServerConfig::model_type (deprecated) nor "
                "ModelServerConfig::model_platform.")
        if model.model_platform != PLATFORM:
            raise invalid_argument(
                f"Model {model.name} requests unsupported platform {model.model_platform}")


def version_dirs(base_path):
    """Version numbers present under a model's base path (numeric directory names)."""
    try:
        entries = os.listdir(base_path)
    except OSError:
        return set()
    return {int(e) for e in entries
            if e.isdigit() and os.path.isdir(os.path.join(base_path, e))}


def aspired_versions(policy, versions):
    """The versions a ServableVersionPolicy wants among those on disk."""
    choice = policy.WhichOneof("policy_choice")
    if choice == "all":
        return set(versions)
    if choice == "specific":
        return set(policy.specific.versions) & set(versions)
    count = policy.latest.num_versions if choice == "latest" else 0
    return set(sorted(versions)[-max(count, 1):])


def _status(code=grpc.StatusCode.OK, message=""):
    return status_pb2.StatusProto(error_code=code.value[0], error_message=message)


class ModelManager:
    """Loads, serves and unloads model versions (see module docstring)."""

    def __init__(self, config, batching=None, poll_seconds=1.0,
                 allow_version_labels_for_unavailable_models=False):
        validate_config(config)
        self._config = config
        self._batching = batching
        self._poll_seconds = poll_seconds
        self._allow_unavailable_labels = allow_version_labels_for_unavailable_models
        self._lock = threading.Lock()        # guards the maps below
        self._poll_lock = threading.Lock()   # one poll at a time (poller, config reload)
        self._servables = {}                 # name -> {version: Servable}, replaced on change
        self._states = {}                    # name -> {version: (State, StatusProto)}
        self._labels = {}                    # name -> {label: version}
        self._failed = set()                 # (name, version) whose load failed
        self._stop = threading.Event()
        self._thread = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self):
        """Load what the config wants now, then keep polling in a background thread."""
        self.poll()
        self._set_labels(self._config, check=not self._allow_unavailable_labels)
        if self._poll_seconds > 0:
            self._thread = threading.Thread(target=self._poll_loop, daemon=True, name="poller")
            self._thread.start()

    def stop(self):
        """Stop polling and unload every version (queued batches still finish)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._poll_lock:
            for name in list(self._servables):
                self._unload(name, set(self._servables[name]))

    def _poll_loop(self):
        while not self._stop.wait(self._poll_seconds):
            try:
                self.poll()
            except Exception:  # noqa: BLE001 - a bad poll must not end polling
                log.exception("polling the model base paths failed")

    def poll(self):
        """One pass over the configured models: load wanted versions, unload the others."""
        with self._poll_lock:
            for model in self._config.model_config_list.config:
                self._poll_model(model)

    def _poll_model(self, model):
        on_disk = version_dirs(model.base_path)
        self._failed = {(n, v) for n, v in self._failed if n != model.name or v in on_disk}
        wanted = aspired_versions(model.model_version_policy, on_disk)
        loaded = set(self._servables.get(model.name, {}))
        for version in sorted(wanted - loaded, reverse=True):
            if (model.name, version) not in self._failed:
                self._load(model.name, version, os.path.join(model.base_path, str(version)))
        if wanted & set(self._servables.get(model.name, {})) or not wanted:
            self._unload(model.name, loaded - wanted)

    def _load(self, name, version, path):
        self._set_state(name, version, State.LOADING)
        log.info("Loading servable: {name: %s version: %d}", name, version)
        try:
            servable = Servable.load(name, version, path, self._batching)
        except Exception as e:  # noqa: BLE001 - a broken version must not stop the server
            log.error("Loading servable: {name: %s version: %d} failed: %s", name, version, e)
            self._failed.add((name, version))
            self._set_state(name, version, State.END, _status(grpc.StatusCode.UNKNOWN, str(e)))
            return
        with self._lock:
            versions = dict(self._servables.get(name, {}))
            versions[version] = servable
            self._servables[name] = versions
        self._set_state(name, version, State.AVAILABLE)
        log.info("Successfully loaded servable version {name: %s version: %d}", name, version)

    def _unload(self, name, versions):
        for version in sorted(versions):
            self._set_state(name, version, State.UNLOADING)
            with self._lock:
                remaining = dict(self._servables.get(name, {}))
                servable = remaining.pop(version)
                self._servables[name] = remaining
            servable.close()  # requests that already hold it still finish
            self._set_state(name, version, State.END)
            log.info("Unloaded servable version {name: %s version: %d}", name, version)

    def _set_state(self, name, version, state, status=None):
        with self._lock:
            self._states.setdefault(name, {})[version] = (state, status or _status())

    # -- config --------------------------------------------------------------------------

    def _set_labels(self, config, check):
        labels = {}
        for model in config.model_config_list.config:
            for label, version in model.version_labels.items():
                state = self._states.get(model.name, {}).get(version, (None,))[0]
                if check and state != State.AVAILABLE:
                    raise ServingError(
                        grpc.StatusCode.FAILED_PRECONDITION,
                        f"Request to assign label to version {version} of model {model.name}, "
                        "which is not currently available for inference")
                labels.setdefault(model.name, {})[label] = version
        with self._lock:
            self._labels = labels

    def reload_config(self, config):
        """HandleReloadConfigRequest: switch to `config`, load new models, drop removed ones."""
        if config.WhichOneof("config") != "model_config_list":
            raise invalid_argument(
                "ServerModelConfig type not supported by HandleReloadConfigRequest. Only "
                "ModelConfigList is currently supported")
        validate_config(config)
        with self._poll_lock:
            self._set_labels(config, check=not self._allow_unavailable_labels)
            old = {m.name for m in self._config.model_config_list.config}
            self._config = protos.ModelServerConfig()
            self._config.CopyFrom(config)
            new = {m.name for m in config.model_config_list.config}
            for name in old - new:
                self._unload(name, set(self._servables.get(name, {})))
            for model in config.model_config_list.config:
                self._poll_model(model)
        missing = [f"{{name: {name} version: {v}}} due to error: {status.error_message}"
                   for name in sorted(new - old)
                   for v, (state, status) in self._states.get(name, {}).items()
                   if status.error_code]
        if missing:
            raise ServingError(grpc.StatusCode.UNKNOWN,
                               f"{len(missing)} model(s) did not become available: "
                               f"{{{', '.join(missing)}}}")

    # -- requests ------------------------------------------------------------------------

    def servable(self, model_spec):
        """The version a ModelSpec asks for (by number, label, or latest) or ServingError."""
        name = model_spec.name
        if not name:
            raise invalid_argument("ModelSpec has no name specified.")
        choice = model_spec.WhichOneof("version_choice")
        with self._lock:
            versions = self._servables.get(name, {})
            if choice == "version_label":
                label = model_spec.version_label
                if label not in self._labels.get(name, {}):
                    raise invalid_argument(f"Unrecognized servable version label: {label}")
                choice, version = "version", self._labels[name][label]
            elif choice == "version":
                version = model_spec.version.value
            if choice == "version":
                request, servable = f"Specific({name}, {version})", versions.get(version)
            else:
                request = f"Latest({name})"
                servable = versions[max(versions)] if versions else None
        if servable is None:
            raise ServingError(grpc.StatusCode.NOT_FOUND,
                               f"Servable not found for request: {request}")
        return servable

    def version_status(self, model_spec):
        """[(version, State, StatusProto)], newest first, as GetModelStatus reports them."""
        name = model_spec.name
        with self._lock:
            states = dict(self._states.get(name, {}))
        if model_spec.HasField("version"):
            version = model_spec.version.value
            if version not in states:
                raise ServingError(grpc.StatusCode.NOT_FOUND,
                                   f"Could not find version {version} of model {name}")
            return [(version, *states[version])]
        if not states:
            raise ServingError(grpc.StatusCode.NOT_FOUND,
                               f"Could not find any versions of model {name}")
        return [(v, *states[v]) for v in sorted(states, reverse=True)]

    def available(self):
        """{name: sorted available versions}."""
        with self._lock:
            return {name: sorted(v) for name, v in self._servables.items() if v}
