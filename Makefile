# Shortcuts for building, testing and deploying MeshFlow. The Maven targets use the JDK that ./meshflow and .ci/run
# pick (JAVA_HOME if it is 21 or newer, else java on PATH, else the newest under /usr/lib/jvm).
#
#   make build          the CLI jar and its libraries (meshflow-cli/target), without tests
#   make test           ./mvnw -B verify: the whole build with every test
#   make docker-build   the image of deploy/Dockerfile, tagged $(IMAGE)
#   make docker-run     that image on port $(PORT), SQLite ledger in the volume meshflow-data; needs MESHFLOW_API_KEYS
#   make k8s-apply      deploy/k8s/ into the namespace $(K8S_NAMESPACE) (edit deploy/k8s/secret.yaml first)
#
# deploy/README.md explains the compose file and the Kubernetes manifests.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c

IMAGE ?= meshflow:latest
PORT ?= 8080
K8S_NAMESPACE ?= meshflow

# ./mvnw on the JDK that .ci/find-jdk.sh finds, with the MAVEN_OPTS that keep it quiet there
MVNW = . .ci/find-jdk.sh && meshflow_find_jdk && JAVA_HOME=$$MESHFLOW_JAVA_HOME MAVEN_OPTS="$$(meshflow_maven_opts)" ./mvnw

.PHONY: build test docker-build docker-run k8s-apply

build:
	$(MVNW) -B -DskipTests -pl meshflow-cli -am package

test:
	$(MVNW) -B verify

docker-build:
	docker build -f deploy/Dockerfile -t $(IMAGE) .

docker-run:
	@if [ -z "$${MESHFLOW_API_KEYS:-}" ]; then \
	  echo 'make docker-run: set MESHFLOW_API_KEYS (key[:tenant[:role]], e.g. "$$(openssl rand -hex 24):default:admin")' >&2; \
	  exit 2; \
	fi
	docker run --rm --name meshflow -p $(PORT):8080 -e MESHFLOW_API_KEYS -v meshflow-data:/var/lib/meshflow $(IMAGE)

k8s-apply:
	kubectl apply -n $(K8S_NAMESPACE) -f deploy/k8s/
