
## sbx code-interpreter: R cells' plots are PNG results (IRkernel/repr
## defaults, pinned here so a package update does not change them).
options(jupyter.plot_mimetypes = c("text/plain", "image/png"),
        repr.plot.width = 7, repr.plot.height = 5, repr.plot.res = 100)
