# RUN instructions written after public Dockerfiles (the projects under /work/projects:
# their own Dockerfiles, examples and tests), one per fixture, each after the file and line
# it was taken from; comment lines between continuation lines left out, Windows (PowerShell)
# RUNs and Jinja templates too (not shell). Read by
# tests/shell/compare.py (tree-sitter-bash against bashlex) and tests/test_shell_corpus.py.
FROM scratch

# atsea/app/Dockerfile:4
RUN npm install

# atsea/app/Dockerfile:5
RUN npm run build

# atsea/app/Dockerfile:10
RUN mvn -B -f pom.xml -s /usr/share/maven/ref/settings-docker.xml dependency:resolve

# atsea/app/Dockerfile:12
RUN mvn -B -s /usr/share/maven/ref/settings-docker.xml package -DskipTests

# atsea/app/Dockerfile:15
RUN adduser -Dh /home/gordon gordon

# atsea/database/Dockerfile:5
RUN mkdir -p /images/

# atsea/payment_gateway/Dockerfile:3
RUN adduser -D payment

# buildx/Dockerfile:33
RUN apk add --no-cache file git

# buildx/Dockerfile:41
RUN --mount=target=/root/.cache,type=cache <<EOT
  set -ex
  go install "gotest.tools/gotestsum@${GOTESTSUM_VERSION}"
  go install "github.com/wadey/gocovmerge@latest"
  mkdir /out
  /go/bin/gotestsum --version
  mv /go/bin/gotestsum /out
  mv /go/bin/gocovmerge /out
EOT

# buildx/Dockerfile:72
RUN --mount=type=bind,target=. <<EOT
  set -e
  PKG=github.com/docker/buildx
  if [ -f .git ] && head -n 1 .git | grep -q "^gitdir:"; then
    VERSION=dev
    REVISION=dev
  else
    VERSION=$(git describe --match 'v[0-9]*' --dirty='.m' --always --tags)
    REVISION=$(git rev-parse HEAD)$(if ! git diff --no-ext-diff --quiet --exit-code; then echo .m; fi)
  fi
  echo "-X ${PKG}/version.Version=${VERSION} -X ${PKG}/version.Revision=${REVISION} -X ${PKG}/version.Package=${PKG}" | tee /tmp/.ldflags
  echo -n "${VERSION}" | tee /tmp/.version
EOT

# buildx/Dockerfile:89
RUN --mount=type=bind,target=. \
  --mount=type=cache,target=/root/.cache \
  --mount=type=cache,target=/go/pkg/mod \
  --mount=type=bind,from=buildx-version,source=/tmp/.ldflags,target=/tmp/.ldflags <<EOT
  set -ex
  xx-go build -trimpath ${GO_EXTRA_FLAGS} -ldflags "-s -w $(cat /tmp/.ldflags)" -o /usr/bin/docker-buildx ./cmd/buildx
  file /usr/bin/docker-buildx
  xx-verify --static /usr/bin/docker-buildx
EOT

# buildx/Dockerfile:101
RUN --mount=type=bind,target=. \
  --mount=type=cache,target=/root/.cache \
  --mount=type=cache,target=/go/pkg/mod \
  go test -v -coverprofile=/tmp/coverage.txt -covermode=atomic ./... && \
  go tool cover -func=/tmp/coverage.txt

# buildx/Dockerfile:128
RUN apk add --no-cache \
      bash \
      btrfs-progs \
      e2fsprogs \
      e2fsprogs-extra \
      ip6tables \
      iptables \
      make \
      openssl \
      shadow-uidmap \
      xfsprogs \
      xz

# buildx/Dockerfile:153
RUN mkdir -p /usr/local/lib/docker/cli-plugins && ln -s /usr/bin/buildx /usr/local/lib/docker/cli-plugins/docker-buildx

# buildx/Dockerfile:163
RUN --mount=from=binaries \
  --mount=type=bind,from=buildx-version,source=/tmp/.version,target=/tmp/.version <<EOT
  set -e
  mkdir -p /out
  cp buildx* "/out/buildx-$(cat /tmp/.version).$(echo $TARGETPLATFORM | sed 's/\//-/g')$(ls buildx* | sed -e 's/^buildx//')"
EOT

# buildx/Dockerfile:176
RUN apk add --no-cache iptables tmux git vim less openssh

# buildx/Dockerfile:177
RUN mkdir -p /usr/local/lib/docker/cli-plugins && ln -s /usr/local/bin/buildx /usr/local/lib/docker/cli-plugins/docker-buildx

# buildx/hack/demo-env/examples/compose/Dockerfile:2
RUN echo "this is db"

# buildx/hack/demo-env/examples/compose/Dockerfile.webapp:3
RUN env

# buildx/hack/demo-env/examples/simple1/Dockerfile:2
RUN apk add --no-cache curl

# buildx/hack/dockerfiles/authors.Dockerfile:6
RUN apk add --no-cache git

# buildx/hack/dockerfiles/authors.Dockerfile:25
RUN --mount=type=bind,target=.,rw <<EOT
  set -e
  git add -A
  cp -rf /out/* .
  if [ -n "$(git status --porcelain -- AUTHORS)" ]; then
    echo >&2 'ERROR: Authors result differs. Please update with "make authors"'
    git status --porcelain -- AUTHORS
    exit 1
  fi
EOT

# buildx/hack/dockerfiles/docs.Dockerfile:10
RUN --mount=target=. \
  --mount=target=/root/.cache,type=cache \
  go build -mod=vendor -o /out/docsgen ./docs/generate.go

# buildx/hack/dockerfiles/docs.Dockerfile:15
RUN apk add --no-cache rsync git

# buildx/hack/dockerfiles/docs.Dockerfile:20
RUN --mount=target=/context \
  --mount=target=.,type=tmpfs <<EOT
set -e
rsync -a /context/. .
docsgen --formats "$FORMATS" --source "docs/reference" --bake-stdlib-source "docs/bake-stdlib.md"
mkdir /out
cp -r docs/reference docs/bake-stdlib.md /out
rm -f /out/reference/*__INTERNAL_SERVE.yaml /out/reference/*__INTERNAL_SERVE.md
EOT

# buildx/hack/dockerfiles/govulncheck.Dockerfile:11
RUN apk add --no-cache jq moreutils

# buildx/hack/dockerfiles/govulncheck.Dockerfile:13
RUN --mount=type=cache,target=/root/.cache \
    --mount=type=cache,target=/go/pkg/mod \
    go install golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION

# buildx/hack/dockerfiles/lint.Dockerfile:16
RUN apk add --no-cache git gcc musl-dev binutils-gold

# buildx/hack/dockerfiles/lint.Dockerfile:22
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/ go mod download

# buildx/hack/dockerfiles/lint.Dockerfile:23
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/ mkdir -p out && go build -o /out/golangci-lint ./cmd/golangci-lint

# buildx/hack/dockerfiles/lint.Dockerfile:35
RUN [ "${GOLANGCI_FROM_SOURCE}" = "true" ] && exit 0; wget -O- -nv https://raw.githubusercontent.com/golangci/golangci-lint/master/install.sh | sh -s ${GOLANGCI_LINT_VERSION}

# buildx/hack/dockerfiles/lint.Dockerfile:41
RUN --mount=target=/go/src/github.com/docker/buildx \
    --mount=target=/root/.cache,type=cache,id=lint-cache-$TARGETPLATFORM \
    xx-go --wrap && \
    golangci-lint run

# buildx/hack/dockerfiles/lint.Dockerfile:47
RUN --mount=target=/go/src/github.com/docker/buildx \
  golangci-lint config verify

# buildx/hack/dockerfiles/lint.Dockerfile:54
RUN git clone https://github.com/golang/tools.git && \
  cd tools && git checkout ${GOPLS_VERSION}

# buildx/hack/dockerfiles/lint.Dockerfile:58
RUN <<'EOF'
  set -ex
  mkdir -p /out
  for analyzer in ${GOPLS_ANALYZERS}; do
    mkdir -p internal/cmd/$analyzer
    if [ "$analyzer" = "modernize" ]; then
      cat <<'eot' > internal/cmd/$analyzer/main.go
package main

import (
	"golang.org/x/tools/go/analysis/multichecker"
	"golang.org/x/tools/go/analysis/passes/modernize"
)

func main() { multichecker.Main(modernize.Suite...) }
eot
    else
      pkg="golang.org/x/tools/gopls/internal/analysis/$analyzer"
      cat <<eot > internal/cmd/$analyzer/main.go
package main

import (
	"golang.org/x/tools/go/analysis/singlechecker"
	analyzer "${pkg}"
)

func main() { singlechecker.Main(analyzer.Analyzer) }
eot
    fi
    echo "Analyzing with ${analyzer}..."
    go build -o /out/$analyzer ./internal/cmd/$analyzer
  done
EOF

# buildx/hack/dockerfiles/lint.Dockerfile:98
RUN --mount=target=. \
  --mount=target=/root/.cache,type=cache,id=lint-cache-${TARGETNAME}-${TARGETPLATFORM} \
  --mount=target=/gopls-analyzers,from=gopls,source=/out <<EOF
  set -ex
  xx-go --wrap
  for analyzer in ${GOPLS_ANALYZERS}; do
    go vet -vettool=/gopls-analyzers/$analyzer ./...
  done
EOF

# buildx/hack/dockerfiles/lint.Dockerfile:113
RUN --mount=target=.,rw \
  --mount=target=/root/.cache,type=cache,id=lint-cache-${TARGETNAME}-${TARGETPLATFORM} \
  --mount=target=/gopls-analyzers,from=gopls,source=/out <<EOF
  set -ex
  xx-go --wrap
  mkdir /out
  /gopls-analyzers/modernize -fix ./...
  for file in $(git status --porcelain | awk '/^ M/ {print $2}'); do
    mkdir -p /out/$(dirname $file)
    cp $file /out/$file
  done
EOF

# buildx/hack/dockerfiles/vendor.Dockerfile:9
RUN apk add --no-cache git rsync

# buildx/hack/dockerfiles/vendor.Dockerfile:13
RUN --mount=target=/context \
  --mount=target=.,type=tmpfs  \
  --mount=target=/go/pkg/mod,type=cache <<EOT
set -e
rsync -a /context/. .
go mod tidy
go mod vendor
mkdir /out
cp -r go.mod go.sum vendor /out
EOT

# buildx/hack/dockerfiles/vendor.Dockerfile:44
RUN --mount=target=.,ro \
  --mount=target=/go/pkg/mod,type=cache \
  --mount=from=go-mod-outdated,source=/usr/bin/go-mod-outdated,target=/usr/bin/go-mod-outdated \
  go list -mod=readonly -u -m -json all | go-mod-outdated -update -direct

# buildx/vendor/github.com/creack/pty/Dockerfile.golang:10
RUN go build -a std

# buildx/vendor/github.com/creack/pty/Dockerfile.golang:17
RUN go build

# buildx/vendor/github.com/docker/cli-docs-tool/Dockerfile:29
RUN apk add --no-cache cpio findutils git linux-headers

# buildx/vendor/github.com/docker/cli-docs-tool/Dockerfile:37
RUN --mount=target=/root/.cache,type=cache \
    --mount=type=cache,target=/go/pkg/mod <<EOT
  set -ex
  xx-go install "github.com/google/addlicense@${ADDLICENSE_VERSION}"
  mkdir /out
  if ! xx-info is-cross; then
    mv /go/bin/addlicense /out
  else
    mv /go/bin/*/addlicense* /out
  fi
EOT

# buildx/vendor/github.com/docker/cli-docs-tool/Dockerfile:50
RUN --mount=type=bind,target=.,rw \
  --mount=type=cache,target=/go/pkg/mod \
  go mod tidy && go mod download && \
  mkdir /out && cp go.mod go.sum /out

# buildx/vendor/github.com/docker/cli-docs-tool/Dockerfile:72
RUN --mount=type=bind,target=. \
  --mount=type=cache,target=/root/.cache \
  --mount=from=golangci-lint,source=/usr/bin/golangci-lint,target=/usr/bin/golangci-lint \
  golangci-lint run ./...

# buildx/vendor/github.com/docker/cli-docs-tool/Dockerfile:80
RUN --mount=type=bind,target=.,rw \
  --mount=from=addlicense,source=/out/addlicense,target=/usr/bin/addlicense \
  find . -regex "${LICENSE_FILES}" | xargs addlicense ${LICENSE_ARGS} \
  && mkdir /out \
  && find . -regex "${LICENSE_FILES}" | cpio -pdm /out

# buildx/vendor/github.com/docker/cli-docs-tool/Dockerfile:92
RUN --mount=type=bind,target=. \
  --mount=from=addlicense,source=/out/addlicense,target=/usr/bin/addlicense \
  find . -regex "${LICENSE_FILES}" | xargs addlicense -check ${LICENSE_ARGS}

# buildx/vendor/github.com/docker/cli-docs-tool/Dockerfile:97
RUN --mount=type=bind,target=. \
  --mount=type=cache,target=/root/.cache \
  --mount=type=cache,target=/go/pkg/mod \
  go test -v -coverprofile=/tmp/coverage.txt -covermode=atomic ./...

# buildx/vendor/github.com/moby/policy-helpers/Dockerfile:18
RUN --mount=type=bind,from=tuf-root,target=/a \
    --mount=type=bind,source=roots/tuf-root,target=/b \
    diff -ruN /a /b

# buildx/vendor/github.com/moby/policy-helpers/Dockerfile:32
RUN --mount=type=bind,from=dhi-pubkey,target=/a \
    --mount=type=bind,source=roots/dhi,target=/b \
    diff -u /a/dhi-latest.pub /b/dhi.pub

# buildx/vendor/github.com/moby/policy-helpers/Dockerfile:40
RUN --mount=target=. xx-go build -o /out/policy-helper ./cmd/policy-helper

# buildx/vendor/github.com/tonistiigi/dchapes-mode/Dockerfile:16
RUN --mount=target=. --mount=target=/go/pkg/mod,type=cache \
    --mount=target=/root/.cache,type=cache \
    xx-go build ./...

# buildx/vendor/github.com/tonistiigi/dchapes-mode/Dockerfile:22
RUN --mount=target=. --mount=target=/go/pkg/mod,type=cache \
    --mount=target=/root/.cache,type=cache \
    xx-go test -v -coverprofile=/tmp/coverage.txt  -covermode=atomic ${TESTFLAGS} ./...

# buildx/vendor/github.com/tonistiigi/fsutil/Dockerfile:22
RUN --mount=target=. --mount=target=/go/pkg/mod,type=cache \
    --mount=target=/root/.cache,type=cache \
    CGO_ENABLED=0 xx-go test -v -coverprofile=/tmp/coverage.txt -covermode=atomic ${TESTFLAGS} ./...

# buildx/vendor/github.com/tonistiigi/fsutil/Dockerfile:27
RUN mkdir /go/pkg && chmod 0777 /go/pkg

# buildx/vendor/github.com/tonistiigi/fsutil/Dockerfile:29
RUN --mount=target=. \
    --mount=target=/tmp/.cache,type=cache \
    CGO_ENABLED=0 GOCACHE=/tmp/gocache xx-go test -v -coverprofile=/tmp/coverage.txt -covermode=atomic ./...

# buildx/vendor/github.com/tonistiigi/fsutil/Dockerfile:41
RUN --mount=type=bind,source=go.mod,target=/app/go.mod \
    --mount=type=bind,source=go.sum,target=/app/go.sum \
    --mount=type=cache,target=/root/.cache \
    --mount=type=cache,target=/go/pkg/mod <<EOT
  set -ex
  apk add --no-cache rsync
  go install tool github.com/jstemmer/go-junit-report/v2
EOT

# buildx/vendor/github.com/tonistiigi/fsutil/Dockerfile:53
RUN --mount=target=. \
    --mount=target=/go/pkg/mod,type=cache \
    --mount=target=/root/.cache,type=cache <<EOT
  set -ex
  set -o pipefail
  mkdir -p /tmp/bench-results
  CGO_ENABLED=0 xx-go test -benchmem -bench=. -run=^$ . 2>&1 | tee /tmp/fsutil.log
  go-junit-report -in /tmp/fsutil.log -out /tmp/bench-results/fsutil.junit.xml
  cd bench
  CGO_ENABLED=0 xx-go test -benchmem -bench=. -run=^$ . 2>&1 | tee /tmp/bench.log
  go-junit-report -in /tmp/bench.log -out /tmp/bench-results/bench.junit.xml
EOT

# buildx/vendor/github.com/tonistiigi/fsutil/Dockerfile:68
RUN mkdir -p /go/pkg && chmod 0777 /go/pkg

# buildx/vendor/github.com/tonistiigi/fsutil/Dockerfile:71
RUN --mount=target=. \
    --mount=target=/tmp/.cache,type=cache <<EOT
  set -ex
  set -o pipefail
  mkdir -p /tmp/bench-results
  CGO_ENABLED=0 GOCACHE=/tmp/gocache xx-go test -bench=. -benchmem -run=^$ . 2>&1 | tee /tmp/fsutil.log
  go-junit-report -in /tmp/fsutil.log -out /tmp/bench-results/fsutil.junit.xml
  cd bench
  CGO_ENABLED=0 GOCACHE=/tmp/gocache xx-go test -bench=. -benchmem -run=^$ . 2>&1 | tee /tmp/bench.log
  go-junit-report -in /tmp/bench.log -out /tmp/bench-results/bench.junit.xml
EOT

# buildx/vendor/github.com/tonistiigi/go-csvvalue/Dockerfile:18
RUN --mount=target=/root/.cache,type=cache \
    --mount=type=bind xx-go build .

# buildx/vendor/github.com/tonistiigi/go-csvvalue/Dockerfile:23
RUN --mount=target=/root/.cache,type=cache \
    --mount=type=bind \
    xx-go test -v --run skip --bench . | tee /tmp/${BENCH_FILENAME}

# buildx/vendor/github.com/tonistiigi/go-csvvalue/Dockerfile:34
RUN --mount=target=/root/.cache,type=cache \
    --mount=type=bind \
    xx-go test -coverprofile=/tmp/${COVER_FILENAME} $TESTFLAGS .

# buildx/vendor/github.com/tonistiigi/jaeger-ui-rest/Dockerfile:16
RUN NODE_ENVIRONMENT=production npm run build

# buildx/vendor/github.com/tonistiigi/jaeger-ui-rest/Dockerfile:18
RUN rm build/static/*-legacy* && rm build/static/*.png

# buildx/vendor/github.com/tonistiigi/jaeger-ui-rest/Dockerfile:24
RUN --mount=target=/in,from=jaegerui <<EOT
    set -ex
    mkdir -p /out
    cp -a /in/. /out
    cd /out
    find . -type f -exec sh -c 'gzip -9 -c "$1" > "$1.tmp" && mv "$1.tmp" "$1"' _ {} \;
    # stop
EOT

# documenso/apps/remix/Dockerfile.bun:7
RUN bun i --frozen-lockfile

# documenso/apps/remix/Dockerfile.bun:12
RUN bun i --production

# documenso/apps/remix/Dockerfile.bun:18
RUN bun run build

# documenso/apps/remix/Dockerfile.pnpm:2
RUN npm i -g pnpm

# documenso/apps/remix/Dockerfile.pnpm:8
RUN pnpm i --frozen-lockfile

# documenso/apps/remix/Dockerfile.pnpm:13
RUN pnpm i --prod --frozen-lockfile

# documenso/apps/remix/Dockerfile.pnpm:19
RUN pnpm build

# documenso/docker/Dockerfile:6
RUN apk add --no-cache openssl

# documenso/docker/Dockerfile:7
RUN apk add --no-cache font-freefont

# documenso/docker/Dockerfile:16
RUN apk add --no-cache libc6-compat

# documenso/docker/Dockerfile:17
RUN apk add --no-cache jq

# documenso/docker/Dockerfile:22
RUN npm install -g "turbo@^2.10.0"

# documenso/docker/Dockerfile:26
RUN turbo prune --scope=@documenso/remix --docker

# documenso/docker/Dockerfile:37
RUN apk add --no-cache make cmake g++ openssl bash

# documenso/docker/Dockerfile:80
RUN npm ci

# documenso/docker/Dockerfile:89
RUN turbo run build --filter=@documenso/remix...

# documenso/docker/Dockerfile:107
RUN addgroup --system --gid 1001 nodejs

# documenso/docker/Dockerfile:108
RUN adduser --system --uid 1001 nodejs

# documenso/docker/Dockerfile:118
RUN npm ci --only=production

# documenso/docker/Dockerfile:130
RUN npx prisma generate --schema ./packages/prisma/schema.prisma

# documenso/docker/Dockerfile.chromium:5
RUN npm install @playwright/browser-chromium

# documenso/docker/development/Dockerfile.gotenberg:13
RUN echo "deb http://deb.debian.org/debian trixie contrib non-free" \
      > /etc/apt/sources.list.d/contrib.list \
    && echo "ttf-mscorefonts-installer msttcorefonts/accepted-mscorefonts-eula select true" \
      | debconf-set-selections \
    && apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        ca-certificates \
        wget \
        unzip \
        culmus \
        ttf-mscorefonts-installer \
        fonts-symbola \
        fonts-noto-extra \
        fonts-hosny-amiri \
        fonts-thai-tlwg \
        fonts-sil-padauk \
        fonts-sarai \
        fonts-samyak-taml \
        libfribidi0 \
        libharfbuzz0b \
    && fc-cache -f \
    && rm -rf /var/lib/apt/lists/* /tmp/* /var/tmp/*

# example-voting-app/result/Dockerfile:4
RUN apt-get update && \
    apt-get install -y --no-install-recommends curl tini && \
    rm -rf /var/lib/apt/lists/*

# example-voting-app/result/Dockerfile:11
RUN npm install -g nodemon

# example-voting-app/result/Dockerfile:15
RUN npm ci && \
 npm cache clean --force && \
 mv /usr/local/app/node_modules /node_modules

# example-voting-app/result/tests/Dockerfile:3
RUN apt-get update -qq && apt-get install -qy \
    ca-certificates \
    bzip2 \
    curl \
    libfontconfig \
    --no-install-recommends

# example-voting-app/result/tests/Dockerfile:9
RUN yarn global add phantomjs-prebuilt

# example-voting-app/seed-data/Dockerfile:4
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
    apache2-utils \
    && rm -rf /var/lib/apt/lists/*

# example-voting-app/seed-data/Dockerfile:14
RUN python make-data.py

# example-voting-app/vote/Dockerfile:5
RUN apt-get update && \
    apt-get install -y --no-install-recommends curl && \
    rm -rf /var/lib/apt/lists/*

# example-voting-app/vote/Dockerfile:14
RUN pip install --no-cache-dir -r requirements.txt

# example-voting-app/vote/Dockerfile:18
RUN pip install watchdog

# example-voting-app/worker/Dockerfile:15
RUN echo "I am running on $BUILDPLATFORM, building for $TARGETPLATFORM"

# example-voting-app/worker/Dockerfile:19
RUN dotnet restore -a $TARGETARCH

# example-voting-app/worker/Dockerfile:22
RUN dotnet publish -c release -o /app -a $TARGETARCH --self-contained false --no-restore

# excalidraw/.codesandbox/Dockerfile:5
RUN apt update -y && apt install -y xdg-utils

# excalidraw/Dockerfile:9
RUN --mount=type=cache,target=/root/.cache/yarn \
    npm_config_target_arch=${TARGETARCH} yarn --frozen-lockfile --network-timeout 600000

# excalidraw/Dockerfile:14
RUN npm_config_target_arch=${TARGETARCH} yarn build:app:docker

# gs-spring-boot-docker/complete/Dockerfile:2
RUN addgroup -S spring && adduser -S spring -G spring

# healthchecks/docker/Dockerfile:12
RUN \
    apt-get update && \
    apt-get install -y build-essential libffi-dev libpq-dev libmariadb-dev libcurl4-openssl-dev pkg-config

# healthchecks/docker/Dockerfile:15
RUN pip wheel --wheel-dir /wheels apprise uwsgi mysqlclient minio==7.2.20 "psycopg[c]" -r /tmp/requirements.txt

# healthchecks/docker/Dockerfile:18
RUN \
    rm -rf /opt/healthchecks/.git && \
    rm -rf /opt/healthchecks/stuff

# healthchecks/docker/Dockerfile:24
RUN useradd --system hc

# healthchecks/docker/Dockerfile:28
RUN \
    apt-get update && \
    apt-get install -y libcurl4t64 libpq5 libmariadb3 && \
    rm -rf /var/apt/cache && \
    rm -rf /var/lib/apt/lists

# healthchecks/docker/Dockerfile:34
RUN --mount=type=bind,target=/wheels,source=/wheels,from=builder \
    pip install --upgrade pip && \
    pip install --no-cache /wheels/*

# healthchecks/docker/Dockerfile:41
RUN \
    rm -f /opt/healthchecks/hc/local_settings.py && \
    DEBUG=False SECRET_KEY=build-key ./manage.py collectstatic --noinput && \
    DEBUG=False SECRET_KEY=build-key ./manage.py compress

# healthchecks/docker/Dockerfile:46
RUN mkdir /data && chown hc /data

# memos/scripts/Dockerfile:5
RUN apk add --no-cache git ca-certificates

# memos/scripts/Dockerfile:9
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

# memos/scripts/Dockerfile:18
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build \
      -trimpath \
      -ldflags="-s -w -X github.com/usememos/memos/internal/version.Version=${VERSION} -X github.com/usememos/memos/internal/version.Commit=${COMMIT} -extldflags '-static'" \
      -tags netgo,osusergo \
      -o memos \
      ./cmd/memos

# memos/scripts/Dockerfile:32
RUN apk add --no-cache tzdata ca-certificates su-exec && \
    addgroup -g 10001 -S nonroot && \
    adduser -u 10001 -S -G nonroot -h /var/opt/memos nonroot && \
    mkdir -p /var/opt/memos /usr/local/memos && \
    chown -R nonroot:nonroot /var/opt/memos

# microservices-demo/src/adservice/Dockerfile:24
RUN chmod +x gradlew

# microservices-demo/src/adservice/Dockerfile:25
RUN ./gradlew downloadRepos

# microservices-demo/src/adservice/Dockerfile:29
RUN ./gradlew installDist

# microservices-demo/src/cartservice/src/Dockerfile:23
RUN dotnet restore cartservice.csproj \
    -a $TARGETARCH

# microservices-demo/src/cartservice/src/Dockerfile:26
RUN dotnet publish cartservice.csproj \
    -p:PublishSingleFile=true \
    -a $TARGETARCH \
    --self-contained true \
    -p:PublishTrimmed=true \
    -p:TrimMode=full \
    -c release \
    -o /cartservice

# microservices-demo/src/cartservice/src/Dockerfile.debug:18
RUN dotnet restore cartservice.csproj

# microservices-demo/src/cartservice/src/Dockerfile.debug:19
RUN dotnet build "./cartservice.csproj" -c Debug -o /out

# microservices-demo/src/cartservice/src/Dockerfile.debug:22
RUN dotnet publish cartservice.csproj -c Debug -o /out

# microservices-demo/src/cartservice/src/Dockerfile.debug:27
RUN apt-get update \
    && apt-get install -y unzip procps wget

# microservices-demo/src/checkoutservice/Dockerfile:25
RUN go mod download

# microservices-demo/src/checkoutservice/Dockerfile:31
RUN GOOS=${TARGETOS} GOARCH=${TARGETARCH} CGO_ENABLED=0 go build -ldflags="-s -w" -gcflags="${SKAFFOLD_GO_GCFLAGS}" -o /checkoutservice .

# microservices-demo/src/currencyservice/Dockerfile:22
RUN apk add --update --no-cache \
    python3 \
    make \
    g++

# microservices-demo/src/currencyservice/Dockerfile:31
RUN npm install --only=production

# microservices-demo/src/currencyservice/Dockerfile:35
RUN apk add --no-cache nodejs

# microservices-demo/src/emailservice/Dockerfile:25
RUN apk update \
    && apk add --no-cache g++ linux-headers \
    && rm -rf /var/cache/apk/*

# microservices-demo/src/emailservice/Dockerfile:31
RUN pip install -r requirements.txt

# microservices-demo/src/emailservice/Dockerfile:41
RUN apk update \
    && apk add --no-cache libstdc++ \
    && rm -rf /var/cache/apk/*

# microservices-demo/src/frontend/Dockerfile:30
RUN GOOS=${TARGETOS} GOARCH=${TARGETARCH} CGO_ENABLED=0 go build -ldflags="-s -w" -gcflags="${SKAFFOLD_GO_GCFLAGS}" -o /go/bin/frontend .

# microservices-demo/src/loadgenerator/Dockerfile:31
RUN pip install --prefix="/install" -r requirements.txt

# microservices-demo/src/productcatalogservice/Dockerfile:30
RUN GOOS=${TARGETOS} GOARCH=${TARGETARCH} CGO_ENABLED=0 go build -ldflags="-s -w" -gcflags="${SKAFFOLD_GO_GCFLAGS}" -o /productcatalogservice .

# microservices-demo/src/shippingservice/Dockerfile:30
RUN GOOS=${TARGETOS} GOARCH=${TARGETARCH} CGO_ENABLED=0 go build -ldflags="-s -w" -gcflags="${SKAFFOLD_GO_GCFLAGS}" -o /go/bin/shippingservice .

# microservices-demo/src/shoppingassistantservice/Dockerfile:22
RUN apt-get -qq update \
    && apt-get install -y --no-install-recommends g++ \
    && rm -rf /var/lib/apt/lists/*

# nginx-proxy/Dockerfile.alpine:18
RUN apk add --no-cache --virtual .run-deps bash openssl

# nginx-proxy/Dockerfile.alpine:21
RUN echo -e "\ninclude /etc/nginx/toplevel.conf.d/*.conf;" >> /etc/nginx/nginx.conf \
   && sed -i 's/worker_connections.*;$/worker_connections   10240;/' /etc/nginx/nginx.conf \
   && sed -i -e '/^\}$/{s//\}\nworker_rlimit_nofile 20480;/;:a' -e '$!N;$!ba' -e '}' /etc/nginx/nginx.conf \
   && mkdir -p '/etc/nginx/toplevel.conf.d' \
   && mkdir -p '/etc/nginx/dhparam' \
   && mkdir -p '/etc/nginx/certs' \
   && mkdir -p '/usr/share/nginx/html/errors'

# nginx-proxy/Dockerfile.debian:18
RUN echo "\ninclude /etc/nginx/toplevel.conf.d/*.conf;" >> /etc/nginx/nginx.conf \
   && sed -i 's/worker_connections.*;$/worker_connections  10240;/' /etc/nginx/nginx.conf \
   && sed -i -e '/^\}$/{s//\}\nworker_rlimit_nofile 20480;/;:a' -e '$!N;$!ba' -e '}' /etc/nginx/nginx.conf \
   && mkdir -p '/etc/nginx/toplevel.conf.d' \
   && mkdir -p '/etc/nginx/dhparam' \
   && mkdir -p '/etc/nginx/certs' \
   && mkdir -p '/usr/share/nginx/html/errors'

# nginx-proxy/Dockerfile.dockergen:14
RUN apk add --no-cache --virtual .run-deps bash

# nginx-proxy/Dockerfile.dockergen:16
RUN mkdir -p '/etc/nginx/conf.d' \
    && mkdir -p '/etc/nginx/vhost.d' \
    && mkdir -p '/etc/nginx/htpasswd' \
    && mkdir -p '/etc/nginx/dhparam' \
    && mkdir -p '/etc/nginx/certs' \
    && mkdir -p '/usr/share/nginx/html/errors'

# nginx-proxy/test/requirements/Dockerfile-nginx-proxy-tester:6
RUN pip install -r /requirements.txt

# nginx-proxy/test/requirements/Dockerfile-nginx-proxy-tester:9
RUN apt-get update \
  && apt-get install -y \
    ca-certificates \
    curl \
  && install -m 0755 -d /etc/apt/keyrings \
  && curl -fsSL https://download.docker.com/linux/debian/gpg -o /etc/apt/keyrings/docker.asc \
  && chmod a+r /etc/apt/keyrings/docker.asc

# nginx-proxy/test/requirements/Dockerfile-nginx-proxy-tester:18
RUN echo \
  "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian \
  $(. /etc/os-release && echo "$VERSION_CODENAME") stable" | \
  tee /etc/apt/sources.list.d/docker.list > /dev/null

# nginx-proxy/test/requirements/Dockerfile-nginx-proxy-tester:24
RUN apt-get update \
  && apt-get install -y --no-install-recommends \
    docker-ce-cli \
    docker-compose-plugin \
  && apt-get clean \
  && rm -r /var/lib/apt/lists/*

# nginx-proxy/test/requirements/Dockerfile-nginx-proxy-tester:32
RUN docker compose version

# nginx-proxy/test/requirements/web/Dockerfile:5
RUN apk add --no-cache bash

# traefik/Dockerfile:4
RUN apk add --no-cache --no-progress ca-certificates tzdata

# traefik/docs/check.Dockerfile:3
RUN apk --no-cache --no-progress add \
    build-base \
    gcompat \
    libcurl \
    libxml2-dev \
    libxslt-dev \
    ruby \
    ruby-bigdecimal \
    ruby-dev \
    ruby-ffi \
    zlib-dev

# traefik/docs/check.Dockerfile:15
RUN gem install nokogiri --version 1.18.6 --no-document -- --use-system-libraries

# traefik/docs/check.Dockerfile:16
RUN gem install html-proofer --version 5.0.10 --no-document -- --use-system-libraries

# traefik/docs/check.Dockerfile:19
RUN apk --no-cache --no-progress add \
    git \
    nodejs \
    npm

# traefik/docs/check.Dockerfile:24
RUN npm install --global \
    markdownlint@0.29.0 \
    markdownlint-cli@0.35.0

# traefik/docs/check.Dockerfile:30
RUN apk --no-cache --no-progress add \
    ca-certificates \
    curl \
    tini

# traefik/docs/docs.Dockerfile:9
RUN apk --no-cache --no-progress add py3-pip gcc musl-dev python3-dev \
  && python3 -m venv /venv \
  && source /venv/bin/activate \
  && pip3 install -r requirements.txt

# traefik/webui/buildx.Dockerfile:4
RUN mkdir -p $WEBUI_DIR

# traefik/webui/buildx.Dockerfile:13
RUN corepack enable

# traefik/webui/buildx.Dockerfile:14
RUN yarn workspaces focus --all --production

# uptime-kuma/docker/builder-go.dockerfile:11
RUN sed -i '/^deb/s/^/#/' /etc/apt/sources.list \
    && echo "deb http://archive.debian.org/debian buster main contrib non-free" | tee -a /etc/apt/sources.list \
    && echo "deb http://archive.debian.org/debian-security buster/updates main contrib non-free" | tee -a /etc/apt/sources.list \
    && echo "deb http://archive.debian.org/debian buster-updates main contrib non-free" | tee -a /etc/apt/sources.list

# uptime-kuma/docker/builder-go.dockerfile:17
RUN apt update && \
    apt --yes --no-install-recommends install curl && \
    curl -sL https://deb.nodesource.com/setup_18.x | bash && \
    apt --yes --no-install-recommends install nodejs && \
    node ./extra/build-healthcheck.js $TARGETPLATFORM && \
    apt --yes remove nodejs

# uptime-kuma/docker/debian-base.dockerfile:5
RUN apt update && \
    apt --yes --no-install-recommends install curl && \
    npm install cheerio semver && \
    node ./download-apprise.mjs

# uptime-kuma/docker/debian-base.dockerfile:24
RUN apt update && \
    apt --yes --no-install-recommends install  \
        sqlite3  \
        ca-certificates \
        iputils-ping  \
        util-linux  \
        dumb-init  \
        curl  \
        sudo \
        nscd && \
    rm -rf /var/lib/apt/lists/* && \
    apt --yes autoremove

# uptime-kuma/docker/debian-base.dockerfile:42
RUN apt update && \
    apt --yes --no-install-recommends install ./apprise.deb python3-paho-mqtt && \
    rm -rf /var/lib/apt/lists/* && \
    rm -f apprise.deb && \
    apt --yes autoremove

# uptime-kuma/docker/debian-base.dockerfile:49
RUN curl https://pkg.cloudflare.com/cloudflare-main.gpg --output /usr/share/keyrings/cloudflare-main.gpg && \
    echo 'deb [signed-by=/usr/share/keyrings/cloudflare-main.gpg] https://pkg.cloudflare.com/cloudflared bookworm main' | tee /etc/apt/sources.list.d/cloudflared.list && \
    apt update && \
    apt install --yes --no-install-recommends cloudflared && \
    cloudflared version && \
    rm -rf /var/lib/apt/lists/* && \
    apt --yes autoremove

# uptime-kuma/docker/debian-base.dockerfile:63
RUN curl -fsSL https://letsencrypt.org/certs/gen-y/root-ye.pem -o /usr/local/share/ca-certificates/isrg-root-ye.crt && \
    curl -fsSL https://letsencrypt.org/certs/gen-y/root-yr.pem -o /usr/local/share/ca-certificates/isrg-root-yr.crt && \
    update-ca-certificates

# uptime-kuma/docker/debian-base.dockerfile:73
RUN apt update && \
    apt --yes --no-install-recommends install chromium fonts-indic fonts-noto fonts-noto-cjk mariadb-server && \
    rm -rf /var/lib/apt/lists/* && \
    apt --yes autoremove && \
    chown -R node:node /var/lib/mysql

# uptime-kuma/docker/dockerfile:21
RUN npm ci --omit=dev

# uptime-kuma/docker/dockerfile:24
RUN mkdir ./data

# uptime-kuma/docker/dockerfile:54
RUN npm run mark-as-nightly

# uptime-kuma/docker/dockerfile:67
RUN apt update \
    && apt --yes --no-install-recommends install curl \
    && curl -fsSL https://cli.github.com/packages/githubcli-archive-keyring.gpg | dd of=/usr/share/keyrings/githubcli-archive-keyring.gpg \
    && chmod go+r /usr/share/keyrings/githubcli-archive-keyring.gpg \
    && echo "deb [arch=$(dpkg --print-architecture) signed-by=/usr/share/keyrings/githubcli-archive-keyring.gpg] https://cli.github.com/packages stable main" | tee /etc/apt/sources.list.d/github-cli.list > /dev/null \
    && apt update \
    && apt --yes --no-install-recommends  install git

# uptime-kuma/docker/dockerfile:76
RUN rm -rf ./* && chown node /app

# uptime-kuma/docker/dockerfile:79
RUN git config --global user.email "no-reply@no-reply.com"

# uptime-kuma/docker/dockerfile:80
RUN git config --global user.name "PR Tester"

# uptime-kuma/docker/dockerfile:81
RUN git clone https://github.com/louislam/uptime-kuma.git .

# uptime-kuma/docker/dockerfile:84
RUN git config --global advice.detachedHead false

# uptime-kuma/docker/dockerfile:97
RUN apt update && \
    apt --yes install curl file

# uptime-kuma/docker/dockerfile:109
RUN chmod +x /app/extra/upload-github-release-asset.sh

# uptime-kuma/docker/dockerfile:116
RUN cd /app && tar -zcvf $DIST dist

# uptime-kuma/docker/dockerfile:117
RUN /app/extra/upload-github-release-asset.sh github_api_token=$GITHUB_TOKEN owner=louislam repo=uptime-kuma tag=$VERSION filename=/app/$DIST

# uptime-kuma/extra/uptime-kuma-push/Dockerfile:2
RUN useradd --create-home kuma

# uptime-kuma/extra/uptime-kuma-push/Dockerfile:8
RUN node build.js $TARGETPLATFORM

# uptime-kuma/test/test-radius.dockerfile:6
RUN mkdir -p /etc/raddb/mods-config/files/

# uptime-kuma/test/test-radius.dockerfile:8
RUN echo "client net {"                 > /etc/raddb/clients.conf

# uptime-kuma/test/test-radius.dockerfile:9
RUN echo "    ipaddr = 172.17.0.0/16"  >> /etc/raddb/clients.conf

# uptime-kuma/test/test-radius.dockerfile:10
RUN echo "    secret = testing123"     >> /etc/raddb/clients.conf

# uptime-kuma/test/test-radius.dockerfile:11
RUN echo "}"                           >> /etc/raddb/clients.conf

# uptime-kuma/test/test-radius.dockerfile:13
RUN echo "bob Cleartext-Password := \"testpw\"" > /etc/raddb/mods-config/files/authorize

# uv-docker-example/Dockerfile:5
RUN groupadd --system --gid 999 nonroot \
 && useradd --system --gid 999 --uid 999 --create-home nonroot

# uv-docker-example/Dockerfile:24
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --locked --no-install-project

# uv-docker-example/Dockerfile:32
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked

# uv-docker-example/standalone.Dockerfile:17
RUN uv python install 3.12

# vaultwarden/Dockerfile:59
RUN apt-get update && \
    apt-get install -y \
        --no-install-recommends \
        clang \
        git && \
    xx-apt-get install -y \
        --no-install-recommends \
        libpq-dev \
        libpq5 \
        libssl-dev \
        libmariadb-dev \
        pkg-config \
        zlib1g-dev \
        xx-c-essentials && \
    echo "export CARGO_TARGET=$(xx-cargo --print-target-triple)" >> /env-cargo

# vaultwarden/Dockerfile:77
RUN mkdir -pv "${CARGO_HOME}" && \
    rustup set profile minimal

# vaultwarden/Dockerfile:81
RUN USER=root cargo new --bin /app

# vaultwarden/Dockerfile:84
RUN . /env-cargo && \
    rustup target add "${CARGO_TARGET}"

# vaultwarden/Dockerfile:99
RUN . /env-cargo && \
    if xx-info is-cross; then \
        XX_RUSTFLAGS="-C link-arg=-Wl,-rpath-link,/usr/lib/$(xx-info triple)"; \
        export XX_RUSTFLAGS; \
    fi && \
    PKG_CONFIG="$(command -v "$(xx-info)-pkg-config")" xx-cargo build --features ${DB} --profile "${CARGO_PROFILE}" && \
    find . -not -path "./target*" -delete

# vaultwarden/Dockerfile:117
RUN . /env-cargo && \
    touch build.rs src/main.rs && \
    if xx-info is-cross; then \
        XX_RUSTFLAGS="-C link-arg=-Wl,-rpath-link,/usr/lib/$(xx-info triple)"; \
        export XX_RUSTFLAGS; \
    fi && \
    PKG_CONFIG="$(command -v "$(xx-info)-pkg-config")" xx-cargo build --features ${DB} --profile "${CARGO_PROFILE}" && \
    if [ "${CARGO_PROFILE}" = "dev" ] ; then \
        ln -vfsr "/app/target/${CARGO_TARGET}/debug" /app/target/final ; \
    else \
        ln -vfsr "/app/target/${CARGO_TARGET}/${CARGO_PROFILE}" /app/target/final ; \
    fi

# vaultwarden/Dockerfile:162
RUN mkdir /data && \
    apt-get update && apt-get install -y \
        --no-install-recommends \
        ca-certificates \
        curl \
        libmariadb3 \
        libpq5 \
        openssl && \
    apt-get clean && \
    rm -rf /var/lib/apt/lists/*

# vaultwarden/docker/Dockerfile.alpine:69
RUN echo "export CARGO_TARGET=${CARGO_BUILD_TARGET}" >> /env-cargo && \
    cat /env-cargo

# vaultwarden/docker/Dockerfile.alpine:89
RUN . /env-cargo && \
    cargo build --features ${DB} --profile "${CARGO_PROFILE}" --target="${CARGO_TARGET}" && \
    find . -not -path "./target*" -delete

# vaultwarden/docker/Dockerfile.alpine:100
RUN . /env-cargo && \
    touch build.rs src/main.rs && \
    cargo build --features ${DB} --profile "${CARGO_PROFILE}" --target="${CARGO_TARGET}" && \
    if [ "${CARGO_PROFILE}" = "dev" ] ; then \
        ln -vfsr "/app/target/${CARGO_TARGET}/debug" /app/target/final ; \
    else \
        ln -vfsr "/app/target/${CARGO_TARGET}/${CARGO_PROFILE}" /app/target/final ; \
    fi

# vaultwarden/docker/Dockerfile.alpine:138
RUN mkdir /data && \
    apk --no-cache add \
        ca-certificates \
        curl \
        openssl \
        tzdata

# vaultwarden/playwright/compose/keycloak/Dockerfile:8
RUN apt-get update && apt-get install -y ca-certificates curl jq openjdk-21-jdk-headless wget

# vaultwarden/playwright/compose/keycloak/Dockerfile:12
RUN wget -c https://github.com/keycloak/keycloak/releases/download/${KEYCLOAK_VERSION}/keycloak-${KEYCLOAK_VERSION}.tar.gz -O - | tar -xz \
    && mkdir -p /opt/keycloak \
    && mv /keycloak-${KEYCLOAK_VERSION}/bin /opt/keycloak/bin \
    && rm -rf /keycloak-${KEYCLOAK_VERSION}

# vaultwarden/playwright/compose/playwright/Dockerfile:7
RUN apt-get update \
    && apt-get install -y ca-certificates curl \
    && curl -fsSL https://download.docker.com/linux/debian/gpg -o /etc/apt/keyrings/docker.asc \
    && chmod a+r /etc/apt/keyrings/docker.asc \
    && echo "deb [signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian trixie stable" | tee /etc/apt/sources.list.d/docker.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends \
        containerd.io \
        docker-buildx-plugin \
        docker-ce \
        docker-ce-cli \
        docker-compose-plugin \
        git \
        libmariadb-dev-compat \
        libpq5 \
        nodejs \
        npm \
        openssl \
    && rm -rf /var/lib/apt/lists/*

# vaultwarden/playwright/compose/playwright/Dockerfile:27
RUN mkdir /playwright

# vaultwarden/playwright/compose/playwright/Dockerfile:31
RUN npm ci --ignore-scripts --allow-git=none --allow-remote=none && npx playwright install-deps && npx playwright install firefox

# vaultwarden/playwright/compose/warden/Dockerfile:14
RUN /build.sh

# vaultwarden/playwright/compose/warden/Dockerfile:22
RUN mkdir /data && \
    apt-get update && apt-get install -y \
        --no-install-recommends \
        ca-certificates \
        curl \
        libmariadb-dev \
        libpq5 \
        openssl && \
    rm -rf /var/lib/apt/lists/*

# zero2prod/Dockerfile:3
RUN apt update && apt install lld clang -y

# zero2prod/Dockerfile:8
RUN cargo chef prepare  --recipe-path recipe.json

# zero2prod/Dockerfile:13
RUN cargo chef cook --release --recipe-path recipe.json

# zero2prod/Dockerfile:17
RUN cargo build --release --bin zero2prod

# zero2prod/Dockerfile:21
RUN apt-get update -y \
    && apt-get install -y --no-install-recommends openssl ca-certificates \
    && apt-get autoremove -y \
    && apt-get clean -y \
    && rm -rf /var/lib/apt/lists/*

