# install rules: filled by the owner of install/packaging
