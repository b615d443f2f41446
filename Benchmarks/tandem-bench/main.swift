import Tandem
import YCRDT
import Wire

// `tandem-bench` runs benchmark suites; suites are added by their own files.
print("tandem-bench \(Tandem.version): no suites yet")
