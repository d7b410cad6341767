/// The district boundaries of a survey, for maps (DESIGN §22): areas in WGS 84 longitude/latitude, each
/// belonging to one district (a value of the instrument's group); a district may have several areas
/// (町丁・字 areas mapped to a 地区).
///
/// Coordinates are kept as imported, to 1e-7 degree (about 1 cm): simplifying is the renderer's job, at
/// the scale of the page it draws.
public struct DistrictBoundaries: Sendable, Hashable {
    /// A position: longitude (east, −180…180) and latitude (north, −90…90), in degrees.
    public struct Position: Sendable, Hashable {
        public var longitude: Double
        public var latitude: Double

        public init(longitude: Double, latitude: Double) {
            self.longitude = longitude
            self.latitude = latitude
        }
    }

    /// A closed ring: the first position equals the last, at least four positions.
    public typealias Ring = [Position]

    /// A polygon: its outer ring, then its holes.
    public typealias Polygon = [Ring]

    /// One feature of the imported file.
    public struct Area: Sendable, Hashable {
        /// The district the area belongs to.
        public var district: GroupName
        /// The feature's own name: the `--key` property's value (a 町丁 code or name, or the district again).
        public var name: String
        public var polygons: [Polygon]

        public init(district: GroupName, name: String, polygons: [Polygon]) {
            self.district = district
            self.name = name
            self.polygons = polygons
        }
    }

    public var areas: [Area]
    /// Where the boundaries come from, printed under every map (such as 「出典: e-Stat 国勢調査 小地域境界」).
    public var credit: String

    public init(areas: [Area], credit: String) {
        self.areas = areas
        self.credit = credit
    }

    /// The districts that have at least one area, in the order of their first area.
    public var districts: [GroupName] {
        var seen: Set<GroupName> = []
        return areas.map(\.district).filter { seen.insert($0).inserted }
    }
}
